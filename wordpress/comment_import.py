"""The comments of a WordPress import, for the posts imported: they keep their
WordPress status, skip the spam rules and moderator emails, but the crisis check runs
(an urgent comment is flagged and listed in the report); IP addresses and browsers
older than ``COMMENTS_IP_RETENTION_DAYS`` are left out. New comments are written in
bulk, one round per depth; one imported before is updated unless a moderator acted on
it here since.
"""

import ipaddress
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models.functions import Lower
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from comments import crisis
from comments.conf import comment_settings
from comments.models import Comment, ModerationLists, hash_body
from comments.text import render_comment_text

from .models import ImportedItem
from .values import aware, clip, fingerprint, plain
from .wxr import CommentStatus

COMMENT_STATUSES = {
    CommentStatus.APPROVED: Comment.Status.APPROVED,
    CommentStatus.PENDING: Comment.Status.PENDING,
    CommentStatus.TRASH: Comment.Status.TRASH,
}
# WordPress's own note of a trashed comment's earlier status ("1" or "0").
TRASHED_FROM = {"1": Comment.Status.APPROVED, "0": Comment.Status.PENDING}


class CommentImport:
    """The comments of one import; ``records`` are the import's ImportedItems.
    ``changed`` tells whether it wrote anything."""

    def __init__(self, export, report, now, base_url, records):
        self.export = export
        self.report = report
        self.now = now
        self.base_url = base_url
        self.changed = False
        self.comment_records = {
            record.wp_id: record
            for record in records.filter(kind=ImportedItem.Kind.COMMENT).only(
                "id", "wp_id", "comment_id", "content_hash", "synced_at"
            )
        }

    def run(self, posts, articles):
        """Import every comment of ``posts``; ``articles`` maps a post's WordPress id
        to its article (None: not imported). New comments are written in bulk, one
        round per depth so that each reply's parent has its id already."""
        self.articles = articles
        retention = timedelta(days=comment_settings.COMMENTS_IP_RETENTION_DAYS)
        self.ip_since = self.now - retention
        self.crisis_phrases = ModerationLists.load().crisis
        self.users = self.users_by_wp_id()
        self.taken = self.comment_keys()
        new = []  # (depth, wp id, Comment, parent wp id)
        for item in posts:
            article = self.articles.get(item.wp_id)
            new.extend(self.comments_of(item, article))
        created = {}
        for depth in range(comment_settings.COMMENTS_MAX_DEPTH):
            level = [entry for entry in new if entry[0] == depth]
            for _depth, _wp_id, comment, parent_wp_id in level:
                if parent_wp_id is not None:
                    comment.parent = created.get(parent_wp_id) or self.existing_comment(
                        parent_wp_id
                    )
            Comment.objects.bulk_create([entry[2] for entry in level], batch_size=1000)
            created.update({wp_id: comment for _d, wp_id, comment, _p in level})
        ImportedItem.objects.bulk_create(
            [
                ImportedItem(
                    base_url=self.base_url,
                    kind=ImportedItem.Kind.COMMENT,
                    wp_id=wp_id,
                    comment=comment,
                    content_hash=comment._wp_fingerprint,
                    synced_at=self.now,
                )
                for wp_id, comment in created.items()
            ],
            batch_size=1000,
        )
        if created:
            self.report.tallies["comments"].created += len(created)
            self.changed = True

    def existing_comment(self, wp_id):
        record = self.comment_records.get(wp_id)
        return Comment.objects.filter(pk=record.comment_id).first() if record else None

    def users_by_wp_id(self):
        """WordPress user ids to local users with the same email."""
        emails = {
            author.wp_id: author.email.lower() for author in self.export.authors if author.email
        }
        if not emails:
            return {}
        users = {
            user.email.lower(): user
            for user in get_user_model()
            .objects.alias(email_lower=Lower("email"))
            .filter(email_lower__in=emails.values())
        }
        return {wp_id: users[email] for wp_id, email in emails.items() if email in users}

    def comment_keys(self):
        """(article, email, text) of the comments already here: the database takes each
        once (comment_no_duplicates)."""
        ids = [article.pk for article in self.articles.values() if article is not None]
        rows = (
            Comment.objects.filter(article_id__in=ids)
            .exclude(status=Comment.Status.TRASH)
            .values_list("article_id", Lower("author_email"), "body_hash")
        )
        return set(rows)

    def comments_of(self, item, article):
        """The new comments of one post, as (depth, wp id, Comment, parent wp id);
        updates the ones imported before."""
        kept = {}  # wp id -> (depth, parent wp id) of each comment kept here
        by_id = {comment.wp_id: comment for comment in item.comments}
        new = []
        for comment in sorted(item.comments, key=self.depth_in(by_id)):
            reason = self.comment_skip_reason(comment, article)
            if reason:
                self.report.skip("comments", "comment", comment, reason)
                continue
            parent_wp_id = self.kept_ancestor(comment.parent_id, by_id, kept)
            depth = 0
            if parent_wp_id is not None:
                # Replies deeper than the cap hang from the ancestor at the cap, as on
                # the site (comments.services.attach_point).
                while kept[parent_wp_id][0] >= comment_settings.COMMENTS_MAX_DEPTH - 1:
                    parent_wp_id = kept[parent_wp_id][1]
                depth = kept[parent_wp_id][0] + 1
            record = self.comment_records.get(comment.wp_id)
            if record is not None:
                kept[comment.wp_id] = (depth, parent_wp_id)
                self.update_comment(record, comment, article)
                continue
            local = self.build_comment(comment, article)
            key = (article.pk, local.author_email.lower(), local.body_hash)
            if local.status != Comment.Status.TRASH:
                if key in self.taken:
                    self.report.skip(
                        "comments",
                        "comment",
                        comment,
                        _("the same text from the same address is already on this article"),
                    )
                    continue
                self.taken.add(key)
            kept[comment.wp_id] = (depth, parent_wp_id)
            if local.is_urgent:
                self.report.add(
                    "comment", comment, "urgent", _("on “%(title)s”") % {"title": article.title}
                )
            new.append((depth, comment.wp_id, local, parent_wp_id))
        return new

    @staticmethod
    def depth_in(by_id):
        """Sort key: parents before their replies, then in file order."""

        def key(comment):
            depth, parent, seen = 0, comment.parent_id, set()
            while parent in by_id and parent not in seen:
                seen.add(parent)
                depth, parent = depth + 1, by_id[parent].parent_id
            return depth, comment.line

        return key

    @staticmethod
    def kept_ancestor(parent_id, by_id, kept):
        """The nearest ancestor kept here (a skipped pingback's replies move up)."""
        seen = set()
        while parent_id is not None and parent_id not in kept and parent_id not in seen:
            seen.add(parent_id)
            parent = by_id.get(parent_id)
            parent_id = parent.parent_id if parent else None
        return parent_id if parent_id in kept else None

    @staticmethod
    def comment_skip_reason(comment, article):
        if article is None:
            return _("its post was not imported")
        if comment.type in {"pingback", "trackback"}:
            return _("a %(type)s, not a reader's comment") % {"type": comment.type}
        if comment.type not in {"", "comment"}:
            return _("type “%(type)s” is not a reader's comment") % {"type": comment.type}
        if comment.status not in COMMENT_STATUSES:
            return _("marked as spam in WordPress")
        if not plain(comment.content):
            return _("no text")
        return None

    def build_comment(self, comment, article, local=None):
        local = local or Comment(article=article)
        body = Truncator(plain(comment.content)).chars(Comment._meta.get_field("body").max_length)
        created_at = aware(comment.date, comment.date_gmt) or self.now
        local.author_name = clip(" ".join(plain(comment.author).split()), Comment, "author_name")
        local.author_email = comment.author_email.strip()[:254]
        url = comment.author_url.strip()
        local.author_url = url if len(url) <= 200 else ""
        local.body = body
        local.body_html = render_comment_text(body)
        local.body_hash = hash_body(body)
        local.status = COMMENT_STATUSES[comment.status]
        local.previous_status = (
            TRASHED_FROM.get(comment.meta.get("_wp_trash_meta_status", ""), "")
            if local.status == Comment.Status.TRASH
            else ""
        )
        local.is_urgent = crisis.is_crisis(body, self.crisis_phrases)
        local.user = self.users.get(comment.user_id) if comment.user_id else None
        local.created_at = created_at
        # The bin is emptied counting from the day a comment went in, which WordPress
        # notes; counted from the comment's date, the next upkeep would empty it.
        trashed_at = _trashed_at(comment) if local.status == Comment.Status.TRASH else None
        local.status_changed_at = min(trashed_at, self.now) if trashed_at else created_at
        # Privacy holds from the first minute: only as long as any comment keeps them.
        recent = created_at >= self.ip_since
        local.ip_address = _ip(comment.author_ip) if recent else None
        local.user_agent = comment.user_agent[:300] if recent else ""
        local._wp_fingerprint = fingerprint(comment)
        return local

    def update_comment(self, record, comment, article):
        if record.content_hash == fingerprint(comment):
            self.report.tallies["comments"].unchanged += 1
            return
        local = Comment.objects.filter(pk=record.comment_id).first()
        if local is None:
            self.report.skip(
                "comments", "comment", comment, _("deleted here after an earlier import")
            )
            return
        if local.status_changed_at > record.synced_at:
            self.report.skip(
                "comments", "comment", comment, _("moderated here since the last import")
            )
            return
        self.build_comment(comment, article, local)
        local.save()
        record.content_hash = local._wp_fingerprint
        record.synced_at = self.now
        record.save(update_fields=["content_hash", "synced_at", "imported_at"])
        self.report.tallies["comments"].updated += 1
        self.changed = True


def _trashed_at(comment):
    """When WordPress put ``comment`` in the bin (_wp_trash_meta_time), if it says."""
    stamp = comment.meta.get("_wp_trash_meta_time", "").strip()
    try:
        return datetime.fromtimestamp(int(stamp), tz=UTC) if stamp.isdecimal() else None
    except (OverflowError, OSError, ValueError):
        return None


def _ip(text):
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None
