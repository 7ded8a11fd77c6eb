"""Site search over the published site pages (the site search lists them beside
articles): PostgreSQL full-text search on the title and text, ranked, title first."""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

from .models import Page

CONFIG = "english"
# So few pages that computing their document per search costs less than keeping one.
DOCUMENT = (
    SearchVector("title", weight="A", config=CONFIG)
    + SearchVector("summary", weight="B", config=CONFIG)
    + SearchVector("body", weight="C", config=CONFIG)
)
MAX_RESULTS = 5


def matching_pages(text, *, limit=MAX_RESULTS):
    """Published pages matching ``text`` (web-search syntax), best first, at most
    ``limit``; each with ``rank``."""
    query = SearchQuery(text, search_type="websearch", config=CONFIG)
    return list(
        Page.objects.published()
        .annotate(document=DOCUMENT)
        .filter(document=query)
        .annotate(rank=SearchRank(DOCUMENT, query))
        .order_by("-rank", "title")
        .only("title", "slug", "summary")[:limit]
    )
