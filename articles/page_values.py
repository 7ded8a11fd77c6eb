"""Values site pages may show with placeholders (see pages/placeholders.py): the
medical review period new articles start with."""

from django.utils.translation import gettext_lazy as _

from .models import DEFAULT_REVIEW_PERIOD_MONTHS

PLACEHOLDERS = {
    "review_period_months": (
        _("Months between medical reviews that a new article starts with."),
        lambda: DEFAULT_REVIEW_PERIOD_MONTHS,
    ),
}
