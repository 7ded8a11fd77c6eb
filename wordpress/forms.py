from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from articles.models import Article

# A UTF-8 byte order mark, which some editors put before the XML declaration.
BOM = b"\xef\xbb\xbf"
SNIFF_BYTES = 4096


class ImportUploadForm(forms.Form):
    """Step one of an import from the admin: the export file and its options."""

    export = forms.FileField(
        label=_("WordPress export file (.xml)"),
        help_text=_(
            "In WordPress: Tools › Export › All content › Download Export File. "
            "Nothing is imported yet: the next page shows what the import would do."
        ),
    )
    skip_bad_items = forms.BooleanField(
        label=_("Leave out bad records"),
        required=False,
        help_text=_(
            "A record that cannot be read is listed in the report and left out, instead "
            "of stopping the whole import."
        ),
    )

    with_media = forms.BooleanField(
        label=_("Import the pictures from the media folder"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        folder = settings.WORDPRESS_MEDIA_DIR
        if folder:
            self.fields["with_media"].help_text = _(
                "Pictures and featured images are read from %(folder)s, the copy of the "
                "old site's wp-content/uploads on this server (WORDPRESS_MEDIA_DIR)."
            ) % {"folder": folder}
        else:
            # Without a folder on the server there is nothing to offer.
            del self.fields["with_media"]

    def clean_with_media(self):
        with_media = self.cleaned_data["with_media"]
        if with_media and not Path(settings.WORDPRESS_MEDIA_DIR).is_dir():
            raise forms.ValidationError(
                _(
                    "The media folder %(folder)s is not on this server: copy the old "
                    "site's wp-content/uploads there, or untick this box."
                ),
                code="no_media_dir",
                params={"folder": settings.WORDPRESS_MEDIA_DIR},
            )
        return with_media

    def clean_export(self):
        export = self.cleaned_data["export"]
        limit = settings.WORDPRESS_IMPORT_MAX_BYTES
        if export.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s; the largest accepted is %(limit)s."),
                code="too_big",
                params={"size": filesizeformat(export.size), "limit": filesizeformat(limit)},
            )
        if not export.name.lower().endswith(".xml"):
            raise forms.ValidationError(
                _("Choose the .xml file WordPress exported (this one is “%(name)s”)."),
                code="not_xml_name",
                params={"name": export.name},
            )
        if not looks_like_xml(export):
            raise forms.ValidationError(
                _(
                    "This file is not XML, so it is not a WordPress export. Export again "
                    "from WordPress and upload the file it downloads."
                ),
                code="not_xml",
            )
        return export


def looks_like_xml(upload):
    """Whether the upload starts as XML does (after a byte order mark and blank lines,
    which WordPress exports may have): a zip, a picture or a PDF does not."""
    upload.seek(0)
    start = upload.read(SNIFF_BYTES)
    upload.seek(0)
    start = start.removeprefix(BOM).lstrip()
    return start.startswith(b"<") and b"\x00" not in start


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
