"""Old WordPress addresses and where they lead now.

Each ``LegacyAddress`` is one address the WordPress site answered (a permalink, a
``/?p=ID`` form, a category or feed address) and the article, page or topic it showed.
``wordpress.middleware.LegacyAddressMiddleware`` answers such an address with a 301 to
the target's current address, worked out when asked, so a renamed article still lands.

Addresses are stored normalised the way WordPress matched them: percent escapes
decoded, lower case, no trailing slash (``/2019/05/03/fr%C3%BChst%C3%BCck/`` is kept as
``/2019/05/03/frühstück``); query forms as ``/?p=12``.
"""

from datetime import date
from urllib.parse import unquote, urlsplit

from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from articles.models import Article, Topic
from pages.models import Page

MAX_ADDRESS_LENGTH = 500
# The query parameters WordPress answered on its home address, and what their value
# must look like; anything else is not an old address.
QUERY_FORMS = {"p": "number", "page_id": "number", "cat": "number", "tag": "slug"}


def normalise_path(path):
    """``path`` (already percent-decoded, as Django's ``request.path`` is) as stored:
    lower case, one leading slash, no trailing slash."""
    path = "/" + path.strip().strip("/").lower()
    return path


def path_from_link(link):
    """The normalised path of a WordPress address (``link`` of an item), or None when
    it has none beyond the home page."""
    path = normalise_path(unquote(urlsplit(link or "").path))
    return path if path != "/" else None


def query_address(name, value):
    """The stored form of ``/?name=value`` when WordPress would have answered it, else
    None (a value that is not a number or a slug cannot be an old address)."""
    kind = QUERY_FORMS.get(name)
    value = (value or "").strip().lower()
    if kind == "number":
        if not (value.isascii() and value.isdigit() and len(value) < 20 and value.strip("0")):
            return None
        value = str(int(value))
    elif kind != "slug" or not value or len(value) > 200 or not value.isprintable():
        # Not a slug WordPress made (a NUL would also fail in PostgreSQL).
        return None
    return f"/?{name}={value}"


def address_for_request(request):
    """The stored form of the old address ``request`` asks for: a query form on the home
    address when it carries one, else its path; None when it cannot be stored."""
    path = request.path_info
    # WordPress answered its query forms on /index.php as well as on /.
    if path in ("/", "/index.php"):
        for name in QUERY_FORMS:
            if name in request.GET:
                return query_address(name, request.GET[name])
    if path == "/":
        return None
    address = normalise_path(path)
    return address if len(address) <= MAX_ADDRESS_LENGTH else None


class LegacyAddressQuerySet(models.QuerySet):
    def answering(self, address):
        """The address row for ``address`` whose target readers may see, with the
        fields its current URL needs (one query when iterated)."""
        return (
            self.filter(old_address=address)
            .filter(
                # Correlated, so only the row's own target is checked, by its key;
                # "article__in" would read every published article on each 404.
                Exists(Article.objects.published().filter(pk=OuterRef("article_id")))
                | Exists(Page.objects.published().filter(pk=OuterRef("page_id")))
                | Q(topic__isnull=False)
                | Q(target=LegacyAddress.Target.SITE_FEED)
            )
            .select_related("article", "page", "topic")
            .only("target", "article__slug", "page__slug", "topic__slug")
        )


class LegacyAddress(models.Model):
    """An address of the old WordPress site and the content it now leads to."""

    class Target(models.TextChoices):
        ARTICLE = "article", _("Article")
        ARTICLE_COMMENTS_FEED = "article_comments_feed", _("Article's comment feed")
        PAGE = "page", _("Site page")
        TOPIC = "topic", _("Topic")
        TOPIC_FEED = "topic_feed", _("Topic's feed")
        SITE_FEED = "site_feed", _("The site's feed")

    old_address = models.CharField(
        _("old address"),
        max_length=MAX_ADDRESS_LENGTH,
        unique=True,
        help_text=_(
            "As the old site answered it, decoded and in lower case, without the "
            "trailing slash: /2019/05/03/some-post or /?p=12."
        ),
    )
    target = models.CharField(
        _("leads to"),
        max_length=30,
        choices=Target.choices,
        help_text=_("What readers asking for the old address are sent to."),
    )
    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="legacy_addresses",
    )
    page = models.ForeignKey(
        Page,
        verbose_name=_("site page"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="legacy_addresses",
    )
    topic = models.ForeignKey(
        Topic,
        verbose_name=_("topic"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="legacy_addresses",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = LegacyAddressQuerySet.as_manager()

    class Meta:
        ordering = ["old_address"]
        verbose_name = _("old WordPress address")
        verbose_name_plural = _("old WordPress addresses")
        constraints = [
            # Exactly the foreign key the target needs is set, and no other.
            models.CheckConstraint(
                condition=(
                    Q(
                        target__in=["article", "article_comments_feed"],
                        article__isnull=False,
                        page=None,
                        topic=None,
                    )
                    | Q(target="page", article=None, page__isnull=False, topic=None)
                    | Q(
                        target__in=["topic", "topic_feed"],
                        article=None,
                        page=None,
                        topic__isnull=False,
                    )
                    | Q(target="site_feed", article=None, page=None, topic=None)
                ),
                name="legacy_address_one_target",
            ),
        ]

    def __str__(self):
        return self.old_address

    def get_absolute_url(self):
        """The target's current address."""
        match self.target:
            case self.Target.ARTICLE:
                return self.article.get_absolute_url()
            case self.Target.ARTICLE_COMMENTS_FEED:
                return reverse("comments:feed", kwargs={"slug": self.article.slug})
            case self.Target.PAGE:
                return self.page.get_absolute_url()
            case self.Target.TOPIC:
                return self.topic.get_absolute_url()
            case self.Target.TOPIC_FEED:
                return reverse("articles:topic_feed", kwargs={"slug": self.topic.slug})
        return reverse("articles:feed")


# --- Adding addresses --------------------------------------------------------------


def _save(permalinks, guesses, **target):
    """Store ``permalinks`` (addresses WordPress gave the item itself: they take an
    address over from another item) and ``guesses`` (forms WordPress also answered,
    added only where no other item has them), all leading to ``target``."""
    permalinks = [address for address in dict.fromkeys(permalinks) if address]
    guesses = [a for a in dict.fromkeys(guesses) if a and a not in permalinks]
    fields = {"article": None, "page": None, "topic": None, **target}
    with transaction.atomic():
        # One INSERT ... ON CONFLICT DO UPDATE for all the permalinks rather than a
        # savepoint, a locking read and a write for each: an import adds thousands.
        LegacyAddress.objects.bulk_create(
            [LegacyAddress(old_address=address, **fields) for address in permalinks],
            update_conflicts=True,
            unique_fields=["old_address"],
            update_fields=["target", "article", "page", "topic"],
        )
        LegacyAddress.objects.bulk_create(
            [LegacyAddress(old_address=address, **target) for address in guesses],
            ignore_conflicts=True,
        )
    return LegacyAddress.objects.filter(old_address__in=[*permalinks, *guesses], **target)


# WordPress answered "<address>/feed" for a post (its comments) and for a category or
# tag; each leads to the matching feed here.
FEED_TARGETS = {
    LegacyAddress.Target.ARTICLE: LegacyAddress.Target.ARTICLE_COMMENTS_FEED,
    LegacyAddress.Target.TOPIC: LegacyAddress.Target.TOPIC_FEED,
}


def _with_feed(path):
    return f"{path}/feed" if path else None


def _save_with_feeds(target, *, own, query, guesses, feed_guesses, **item):
    """The addresses of an article or topic (``item``: ``article=`` or ``topic=``):
    its ``own`` path and ``query`` form (permalinks) and ``guesses``, leading to
    ``target``; and the feeds of ``own`` (a permalink) and of ``feed_guesses``,
    leading to the item's feed."""
    _save([own, query], guesses, target=target, **item)
    _save(
        [_with_feed(own)],
        [_with_feed(path) for path in feed_guesses],
        target=FEED_TARGETS[target],
        **item,
    )


def add_article_addresses(article, *, post_id, link="", slug="", posted_on=None):
    """Old addresses of a WordPress post now at ``article``: its permalink ``link``,
    ``/?p=ID``, the date and name forms WordPress's permalink settings offer (from
    ``posted_on``, the local post date, and ``slug``, the post name as exported), and
    the comment feeds of the permalink and date form. Returns the rows leading there."""
    slug = unquote(slug or "").strip().strip("/").lower()
    permalink = path_from_link(link)
    dated = []
    if slug and "/" not in slug and isinstance(posted_on, date):
        dated = [f"/{posted_on:%Y/%m/%d}/{slug}", f"/{posted_on:%Y/%m}/{slug}"]
    plain = [f"/{slug}"] if slug and "/" not in slug else []
    _save_with_feeds(
        LegacyAddress.Target.ARTICLE,
        own=permalink,
        query=query_address("p", str(post_id)),
        guesses=[*dated, *plain],
        feed_guesses=dated[:1],
        article=article,
    )
    return LegacyAddress.objects.filter(article=article)


def add_page_addresses(page, *, page_id, link=""):
    """Old addresses of a WordPress page now at ``page``: its permalink ``link``
    (nested pages included), ``/?page_id=ID`` and ``/?p=ID`` (WordPress answers
    both for a page)."""
    return _save(
        [
            path_from_link(link),
            query_address("page_id", str(page_id)),
            query_address("p", str(page_id)),
        ],
        [],
        target=LegacyAddress.Target.PAGE,
        page=page,
    )


def add_topic_addresses(topic, *, taxonomy, slug, term_id=None, parent_slugs=()):
    """Old addresses of a WordPress category (``taxonomy`` "category") or tag
    ("post_tag") now at ``topic``: ``/category/parent/child/`` (``parent_slugs`` from
    the top down) and ``/category/child/``, or ``/tag/x/``; ``/?cat=ID`` or
    ``/?tag=x``; and each one's feed, which leads to the topic's feed."""
    slugs = [unquote(s).strip("/").lower() for s in (*parent_slugs, slug) if s]
    if not slugs:
        return LegacyAddress.objects.none()
    if taxonomy == "category":
        nested = "/category/" + "/".join(slugs)
        paths = [nested, f"/category/{slugs[-1]}"]
        query = query_address("cat", str(term_id or ""))
    elif taxonomy == "post_tag":
        paths = [f"/tag/{slugs[-1]}"]
        query = query_address("tag", slugs[-1])
    else:
        return LegacyAddress.objects.none()
    _save_with_feeds(
        LegacyAddress.Target.TOPIC,
        own=paths[0],
        query=query,
        guesses=paths[1:],
        feed_guesses=paths[1:],
        topic=topic,
    )
    return LegacyAddress.objects.filter(topic=topic)


# WordPress's site-wide feeds. Ours has no feed of every comment: its article feed is
# the nearest thing a reader of the old comment feed can follow.
SITE_FEEDS = ["/feed", "/feed/rss2", "/feed/atom", "/comments/feed", "/comments/feed/atom"]


def add_feed_addresses():
    """The old site's feeds, leading to the site's feed of latest articles."""
    return _save(SITE_FEEDS, [], target=LegacyAddress.Target.SITE_FEED)
