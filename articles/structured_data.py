"""Schema.org descriptions of an article page for search engines (JSON-LD).

Built here as plain dicts, from data the article page has already fetched, so that
tests can check them and the template tag ``{% article_structured_data %}`` only
serialises them (escaped so that no text can close the <script> element).
"""

import functools
import html
import re

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.translation import to_locale

SCHEMA_CONTEXT = "https://schema.org"
# A library picture in an answer (our own template's markup, never nested): its
# caption and credit are not part of the answer's text.
FIGURE = re.compile(r"<figure\b.*?</figure>", re.DOTALL)


# A pure function of its argument, so remembering results by the markup itself is
# exact: an edited answer is new markup. strip_tags runs an HTML parser, which was
# most of the JSON-LD's cost on an article with ten FAQs.
@functools.lru_cache(maxsize=1024)
def plain_text(markup):
    """Text of sanitised HTML, entities decoded and whitespace collapsed."""
    return " ".join(html.unescape(strip_tags(markup)).split())


def language_tag():
    """The site's language as a BCP 47 tag (``en-US``), as schema.org expects."""
    return to_locale(settings.LANGUAGE_CODE).replace("_", "-")


# An author named like a group ("Recovery Center Editorial Team", the importer's
# "... editorial team") is an Organization to search engines, not a Person.
ORGANIZATION_NAME = re.compile(
    r"\b(team|board|staff|center|centre|clinic|department)$", re.IGNORECASE
)


def person(name):
    return {"@type": "Person", "name": name}


def author(name):
    """The article's author: an ``Organization`` when the name is a group's, else a
    ``Person``."""
    if ORGANIZATION_NAME.search(name.strip()):
        return {"@type": "Organization", "name": name}
    return person(name)


def reviewer_person(reviewer, absolute_url):
    """The medical reviewer as a ``Person``: credentials as its description, its page
    as its url when readers may open it."""
    data = person(reviewer.name)
    if reviewer.credentials:
        data["description"] = reviewer.credentials
    if reviewer.has_public_page:
        data["url"] = absolute_url(reviewer.get_absolute_url())
    return data


def publisher(site, absolute_url):
    return {
        "@type": "Organization",
        "name": site.site_name,
        "url": absolute_url(reverse("articles:home")),
        "logo": {"@type": "ImageObject", "url": absolute_url(static("img/favicon.svg"))},
    }


def medical_web_page(article, *, site, absolute_url):
    """``MedicalWebPage`` for ``article``: headline, dates, author, reviewer, publisher."""
    url = absolute_url(article.get_absolute_url())
    page = {
        "@context": SCHEMA_CONTEXT,
        "@type": "MedicalWebPage",
        "@id": url,
        "url": url,
        "mainEntityOfPage": url,
        "name": article.title,
        "headline": article.title,
        "description": article.description_for_search_engines,
        "inLanguage": language_tag(),
        "datePublished": article.published_at.isoformat(),
        "dateModified": max(article.updated_at, article.published_at).isoformat(),
        "author": author(article.author),
        "publisher": publisher(site, absolute_url),
    }
    if article.reviewer:
        page["reviewedBy"] = reviewer_person(article.reviewer, absolute_url)
    if article.reviewed_on:
        page["lastReviewed"] = article.reviewed_on.isoformat()
    if article.hero_image:
        image = article.hero_share_image
        page["image"] = {
            "@type": "ImageObject",
            "url": absolute_url(image["url"]),
            "width": image["width"],
            "height": image["height"],
            "caption": article.hero_alt,
        }
    topics = article.ordered_topics
    if topics:
        page["about"] = [{"@type": "Thing", "name": topic.name} for topic in topics]
    return page


def breadcrumb_list(article, *, absolute_url):
    """``BreadcrumbList``: the trail the page shows (Home, Articles, first topic, title)."""
    trail = [("Home", reverse("articles:home")), ("Articles", reverse("articles:list"))]
    topics = article.ordered_topics
    if topics:
        trail.append((topics[0].name, topics[0].get_absolute_url()))
    trail.append((article.title, article.get_absolute_url()))
    return {
        "@context": SCHEMA_CONTEXT,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": absolute_url(path)}
            for position, (name, path) in enumerate(trail, start=1)
        ],
    }


def faq_page(article, faq_entries, *, absolute_url):
    """``FAQPage`` from the article's FAQs, given as (question, answer as plain text)
    pairs (``faq_entries``), or None without any."""
    if not faq_entries:
        return None
    return {
        "@context": SCHEMA_CONTEXT,
        "@type": "FAQPage",
        "url": absolute_url(article.get_absolute_url()) + "#faq",
        "mainEntity": [
            {
                "@type": "Question",
                "name": question,
                "acceptedAnswer": {"@type": "Answer", "text": answer},
            }
            for question, answer in faq_entries
        ],
    }


def article_structured_data(article, *, faq_entries, site, absolute_url):
    """The JSON-LD objects of the article page, in order; ``absolute_url(path)`` turns
    a path into a full address (the request's ``build_absolute_uri``), ``faq_entries``
    are the FAQs as (question, plain-text answer) pairs (``faq_entries(faqs)``)."""
    objects = [
        medical_web_page(article, site=site, absolute_url=absolute_url),
        breadcrumb_list(article, absolute_url=absolute_url),
        faq_page(article, faq_entries, absolute_url=absolute_url),
    ]
    return [data for data in objects if data is not None]


def faq_entries(faqs):
    """FAQs as (question, answer as plain text) pairs, for ``faq_page``."""
    return [(faq.question, plain_text(FIGURE.sub(" ", faq.answer_html))) for faq in faqs]
