from django.forms.models import BaseInlineFormSet

from .models import unique_anchor


class SectionFormSet(BaseInlineFormSet):
    """Sections inline: fills in missing anchors before uniqueness is checked.

    Django's formset check then reports duplicate positions or anchors next to the
    rows, instead of the database refusing them when the transaction commits.
    """

    def clean(self):
        live_forms = [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
        ]
        taken = {form.cleaned_data.get("anchor") for form in live_forms} - {"", None}
        for form in live_forms:
            heading = form.cleaned_data.get("heading")
            if not form.cleaned_data.get("anchor") and heading:
                anchor = unique_anchor(heading, taken)
                taken.add(anchor)
                form.cleaned_data["anchor"] = form.instance.anchor = anchor
        super().clean()
