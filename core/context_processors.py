from .models import SiteSettings


def site(request):
    """Expose the editable site settings to every template as ``site``."""
    return {"site": SiteSettings.load()}
