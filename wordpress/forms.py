from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from articles.models import Article


class FeaturedImageForm(forms.Form):
    """The description that lets an imported featured picture become the hero."""

    alt = forms.CharField(
        label=_("Description (alt text)"),
        max_length=Article._meta.get_field("hero_alt").max_length,
        help_text=_("What the picture shows, for people who cannot see it."),
        widget=forms.TextInput(attrs={"size": 60}),
    )

    def clean_alt(self):
        alt = " ".join(self.cleaned_data["alt"].split())
        if not alt:
            raise ValidationError(_("Describe the picture."), code="required")
        return alt
