"""RSS 2.0 and Atom feeds of an article's approved comments.

Only approved comments, newest first; pending, spam and trashed (withdrawn)
comments never appear. Items carry the commenter's name and never their email
address: Django writes ``<author>`` only when an email is given, so none is.
"""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from articles.models import Article
from articles.views import redirect_renamed_article

from .models import Comment

FEED_ITEMS = 30


class ArticleCommentsFeed(Feed):
    """Approved comments on one article (RSS 2.0)."""

    url_name = "comments:feed"

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except Http404:
            # A renamed article's old feed address follows it, as its page does.
            return redirect_renamed_article(request, kwargs["slug"], self.url_name)

    def get_object(self, request, slug):
        return Article.objects.published().only("id", "slug", "title").get(slug=slug)

    def title(self, article):
        return f"Comments on “{article.title}”"

    def link(self, article):
        return f"{article.get_absolute_url()}#comments"

    def feed_url(self, article):
        return reverse(self.url_name, kwargs={"slug": article.slug})

    def description(self, article):
        return f"Readers' comments on “{article.title}”, newest first."

    def items(self, article):
        return (
            Comment.objects.approved()
            .filter(article=article)
            .only("id", "author_name", "body_html", "created_at")
            .order_by("-created_at", "-id")[:FEED_ITEMS]
        )

    def item_title(self, comment):
        return f"Comment by {comment.author_name}"

    def item_description(self, comment):
        # The text as the page shows it: escaped, paragraphs kept, links nofollow.
        return comment.body_html

    def item_link(self, comment):
        return comment.get_absolute_url()

    def item_pubdate(self, comment):
        return comment.created_at

    def item_author_name(self, comment):
        return comment.author_name


class ArticleCommentsAtomFeed(ArticleCommentsFeed):
    feed_type = Atom1Feed
    url_name = "comments:feed_atom"

    def subtitle(self, article):
        return self.description(article)
