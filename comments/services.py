"""Comment use-cases that span models or have side effects."""

from dataclasses import dataclass
from email.utils import parseaddr
from functools import partial

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from articles.models import Article
from core import audit, caching
from core.models import SiteSettings
from core.network import client_ip

from .conf import comment_settings
from .models import Comment, FloodSlot, ModerationLists, ReplySubscription
from .spam import Policy, Submission, decide
from .tasks import announce_pending_comments, send_reply_confirmation, send_reply_notifications

WITHDRAW_SALT = "comments.withdraw"
# Take a client's flood slot if it is free or its window has passed (FloodSlot's table):
# a row comes back only when the slot was taken.
CLAIM_FLOOD_SLOT = (
    "INSERT INTO comments_flood_slot AS slot (client, until) VALUES (%s, %s) "
    "ON CONFLICT (client) DO UPDATE SET until = EXCLUDED.until "
    "WHERE slot.until <= %s RETURNING 1"
)


class DuplicateComment(Exception):
    """The same text from the same email is already on this article."""


class ReplyRefused(Exception):
    """The center cannot reply to this comment as it stands (nothing was stored)."""


@dataclass(frozen=True)
class RequestInfo:
    """What a comment records about the request that sent it."""

    ip_address: str | None
    user_agent: str = ""


def request_info(request):
    return RequestInfo(
        ip_address=client_ip(request.META),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )


def articles_for_posting(now=None):
    """Published articles with only the columns that taking a comment reads."""
    return Article.objects.published(now).only(
        "id", "slug", "status", "published_at", "allows_comments"
    )


def article_for_posting(slug):
    """The published article ``slug`` (as ``articles_for_posting`` has it), or None."""
    return articles_for_posting().filter(slug=slug).first()


def comments_are_open(article, now=None):
    """Whether ``article`` takes new comments (its flag, and the auto-close age)."""
    if not article.allows_comments:
        return False
    closes_at = comments_close_at(article)
    return closes_at is None or (now or timezone.now()) <= closes_at


def comments_close_at(article):
    """When ``article``'s comments close because of its age, or None if they do not."""
    days = comment_settings.COMMENTS_CLOSE_AFTER_DAYS
    if not (article.allows_comments and days and article.published_at):
        return None
    return article.published_at + timezone.timedelta(days=days)


def flood_client(ip_address):
    """The key of ``ip_address``'s flood slot: a keyed digest, so that the table holds
    no address."""
    return salted_hmac("comments.flood", ip_address, algorithm="sha256").hexdigest()


def is_flooding(ip_address, now=None):
    """Claim this IP's posting slot; True if it already posted within the flood window.

    One statement in PostgreSQL, shared by every process and server: it takes a free or
    expired slot, and the row lock makes two simultaneous posts from one IP wait for
    each other, so that only one gets through.
    """
    seconds = comment_settings.COMMENTS_FLOOD_SECONDS
    if not seconds or not ip_address:
        return False
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            CLAIM_FLOOD_SLOT,
            [flood_client(ip_address), now + timezone.timedelta(seconds=seconds), now],
        )
        return cursor.fetchone() is None


def release_flood_slot(ip_address):
    """Give the slot back when the comment was not stored after all."""
    if ip_address:
        FloodSlot.objects.filter(client=flood_client(ip_address)).delete()


def delete_expired_flood_slots(now=None):
    """Forget the slots whose window has passed (the daily maintenance)."""
    deleted, _by_model = FloodSlot.objects.filter(until__lte=now or timezone.now()).delete()
    return deleted


def current_policy():
    lists = ModerationLists.load()
    return Policy(
        disallowed=lists.disallowed,
        moderation=lists.moderation,
        crisis=lists.crisis,
        max_links=comment_settings.COMMENTS_MAX_LINKS,
        trust_previously_approved=comment_settings.COMMENTS_TRUST_PREVIOUSLY_APPROVED,
        approve_by_default=comment_settings.COMMENTS_APPROVE_BY_DEFAULT,
    )


def approved_history(name, email):
    """Approved comments carrying both this name and this email, blind to case and to
    spaces around (``by_email`` compares as the comment_author_email index is written).
    Unordered: whether there is one is the question, and an order would steer the
    planner away from that index."""
    return (
        Comment.objects.approved()
        .by_email(email)
        .filter(author_name__iexact=name.strip())
        .order_by()
    )


def has_approved_history(name, email):
    """True when an approved comment carries both this name and this email."""
    return approved_history(name, email).exists()


def attach_point(parent):
    """The comment a reply hangs from: ``parent``, or its ancestor at the depth cap."""
    while parent is not None and parent.depth >= comment_settings.COMMENTS_MAX_DEPTH - 1:
        parent = parent.parent
    return parent


def submit_comment(*, article, form, user, info, timestamp_problem=None):
    """Store a valid comment with the status the moderation policy gives it.

    Raises DuplicateComment (nothing stored) when the same email already posted the
    same text here. A pending comment is flagged for the moderators' email sweep.
    """
    data = form.cleaned_data
    comment = Comment(
        article=article,
        parent=attach_point(data.get("parent")),
        body=data["body"],
        ip_address=info.ip_address,
        user_agent=info.user_agent,
    )
    if user is not None and user.is_authenticated:
        comment.user = user
        comment.author_name = user.get_full_name() or user.get_username()
        comment.author_email = user.email or f"{user.get_username()}@users.invalid"
    else:
        comment.author_name = data["author_name"]
        comment.author_email = data["author_email"]
        comment.author_url = data.get("author_url", "")

    submission = Submission(
        body=comment.body,
        author_name=comment.author_name,
        author_email=comment.author_email,
        author_url=comment.author_url,
        ip_address=comment.ip_address,
        is_staff=bool(user is not None and user.is_authenticated and user.is_staff),
        honeypot=data.get("fax_number", ""),
        timestamp_problem=timestamp_problem,
        # A query: asked only if no earlier rule of the policy decides.
        has_approved_history=lambda: has_approved_history(
            comment.author_name, comment.author_email
        ),
    )
    decision = decide(submission, current_policy())
    comment.status = decision.status
    comment.decided_by = decision.rule
    comment.is_urgent = decision.is_urgent

    try:
        with transaction.atomic():
            # Only here, a new pending comment: other paths to pending email no one.
            comment.awaits_moderator_email = comment.status == Comment.Status.PENDING
            comment.save()
            if comment.awaits_moderator_email:
                # After the commit, so the sweep always finds the comment. Robust: the
                # comment is stored either way, and stays flagged for the next sweep.
                transaction.on_commit(announce_pending_comments.enqueue, robust=True)
            if data.get("notify_replies"):
                subscribe_to_replies(comment)
            notify_reply_subscribers([comment])
    except IntegrityError as error:
        if "comment_no_duplicates" in str(error):
            raise DuplicateComment from error
        raise
    return comment


def can_subscribe_to_replies(comment):
    """Whether ``comment``'s author may be emailed about replies: not for spam (its
    author hears nothing more from us), nor without a real address (an account with
    none gets a made-up one)."""
    return comment.status != Comment.Status.SPAM and not comment.author_email.endswith(".invalid")


def subscribe_to_replies(comment):
    """Store an unconfirmed reply subscription for ``comment`` and, once committed,
    queue the one email asking to confirm it; return it (None if it may not have one).
    """
    if not can_subscribe_to_replies(comment):
        return None
    subscription = ReplySubscription.objects.create(comment=comment, email=comment.author_email)
    # Robust: the comment stands even if the queue cannot take the task.
    transaction.on_commit(partial(send_reply_confirmation.enqueue, subscription.pk), robust=True)
    return subscription


def notify_reply_subscribers(comments):
    """Queue, for after the commit, the emails about ``comments`` that just became
    visible: call it wherever a comment becomes approved (posting, moderation, the
    center's replies). Each confirmed subscriber hears about a reply once, whoever calls.
    """
    replies = {
        comment.pk: comment.parent_id
        for comment in comments
        if comment.parent_id is not None and comment.status == Comment.Status.APPROVED
    }
    # Most replies answer a comment nobody subscribed to: no task for those.
    if not replies or not (
        ReplySubscription.objects.active().filter(comment_id__in=replies.values()).exists()
    ):
        return
    transaction.on_commit(partial(send_reply_notifications.enqueue, sorted(replies)), robust=True)


def recount_comments():
    """Store every article's count of approved comments afresh; return how many
    articles had a wrong count."""
    approved = (
        Comment.objects.approved()
        .filter(article=OuterRef("pk"))
        .order_by()
        .values("article")
        .annotate(total=Count("pk"))
        .values("total")
    )
    counted = Coalesce(Subquery(approved), Value(0))
    with transaction.atomic():
        wrong = (
            Article.objects.annotate(counted=counted)
            .exclude(comment_count=F("counted"))
            .update(comment_count=counted)
        )
    if wrong:
        caching.bump(caching.COMMENTS)
    return wrong


# --- Moderation ---------------------------------------------------------------------


# The audit log's word for a moderator's move to each status.
AUDIT_ACTIONS = {
    Comment.Status.APPROVED: audit.Action.COMMENT_APPROVED,
    Comment.Status.PENDING: audit.Action.COMMENT_UNAPPROVED,
    Comment.Status.SPAM: audit.Action.COMMENT_SPAM,
    Comment.Status.TRASH: audit.Action.COMMENT_TRASHED,
}


def moderate(comments, status, *, by=None):
    """Move each comment that may go to ``status`` there; return how many moved.

    Each move is written to the audit log as done by ``by`` (a user, or None for the
    site itself), in the same transaction. The center's replies to a published comment
    that moves go to the trash with it.
    """
    return _move(comments, lambda comment: status, by=by, action_of=AUDIT_ACTIONS.get)


def restore(comments, *, by=None):
    """Send spam and trashed comments back to the status they had; return how many
    (each one in the audit log as restored by ``by``)."""
    in_spam_or_trash = comments.filter(status__in=[Comment.Status.SPAM, Comment.Status.TRASH])
    return _move(
        in_spam_or_trash,
        lambda comment: comment.restore_status,
        by=by,
        action_of=lambda status: audit.Action.COMMENT_RESTORED,
    )


def _move(comments, target_of, *, by, action_of):
    moved = 0
    approved = []
    with transaction.atomic():
        rows = comments.select_related("article").select_for_update(of=("self",))
        for comment in rows:
            target = target_of(comment)
            if not comment.can_move_to(target):
                continue
            was_approved = comment.status == Comment.Status.APPROVED
            comment.move_to(target)
            try:
                with transaction.atomic():
                    comment.save(
                        update_fields=[
                            "status",
                            "previous_status",
                            "status_changed_at",
                            "awaits_moderator_email",
                        ]
                    )
            except IntegrityError:
                # Leaving the trash next to a re-post of the same text would make a
                # duplicate; that one stays where it is.
                continue
            audit.record(by, action_of(target), comment)
            if was_approved:
                _trash_center_replies(comment, by=by)
            moved += 1
            if target == Comment.Status.APPROVED:
                approved.append(comment)
        notify_reply_subscribers(approved)
    return moved


def _trash_center_replies(comment, *, by):
    """Send the center's published replies to ``comment`` to the trash with it.

    A reply whose comment is not shown would stand alone at the top of the thread
    (threads.build_threads), and the center's reply is written to one person: out of
    context it reads oddly, and may name them or hint at a crisis they chose to take
    back. A moderator can restore it from the trash.
    """
    replies = comment.replies.filter(is_center_reply=True, status=Comment.Status.APPROVED)
    for reply in replies.select_for_update(of=("self",)):
        reply.move_to(Comment.Status.TRASH)
        reply.save(update_fields=["status", "previous_status", "status_changed_at"])
        audit.record(
            by,
            audit.Action.COMMENT_TRASHED,
            reply,
            _("With comment #%(id)s, which it answers") % {"id": comment.pk},
        )


def center_email():
    """The address a reply from the center is stored with: the site's sending address,
    never a moderator's own, so that no staff member's email sits on public replies
    or turns up in a commenter data request for that moderator."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "center@users.invalid"


def post_center_reply(parent, body, *, by, approve_parent=False):
    """Publish ``body`` as the center's reply to ``parent``; return the reply.

    The reply is approved at once, written in the site's name by the moderator ``by``,
    threaded under ``parent`` (or its ancestor at the depth cap) and logged, in one
    transaction; it skips the spam policy, which is for readers. The center replies
    only under a published comment, so that a reply is never shown without what it
    answers: a pending ``parent`` is approved with it when ``approve_parent`` is set.
    Raises ReplyRefused (nothing stored) otherwise, or when the same text is already
    the center's reply on this article.
    """
    site = SiteSettings.load()
    with transaction.atomic():
        parent = Comment.objects.select_for_update().get(pk=parent.pk)
        if parent.status == Comment.Status.PENDING and approve_parent:
            moderate(Comment.objects.filter(pk=parent.pk), Comment.Status.APPROVED, by=by)
            parent.refresh_from_db()
        if parent.status != Comment.Status.APPROVED:
            raise ReplyRefused(
                _("Approve the comment before replying: a reply is shown under it.")
                if parent.status == Comment.Status.PENDING
                else _("Only a published comment can have a reply. Restore it first.")
            )
        reply = Comment(
            article_id=parent.article_id,
            parent=attach_point(parent),
            user=by,
            author_name=site.site_name,
            author_email=center_email(),
            body=body,
            status=Comment.Status.APPROVED,
            decided_by=Comment.Rule.STAFF,
            is_center_reply=True,
        )
        try:
            with transaction.atomic():
                reply.save()
        except IntegrityError as error:
            if "comment_no_duplicates" in str(error):
                raise ReplyRefused(
                    _(
                        "The center already posted this same reply on this article. "
                        "Change the wording to send it again."
                    )
                ) from error
            raise
        audit.record(
            by,
            audit.Action.COMMENT_CENTER_REPLY,
            reply,
            _("In reply to comment #%(id)s") % {"id": parent.pk},
        )
        notify_reply_subscribers([reply])
    return reply


def delete_comments(comments, *, by=None, detail=""):
    """Delete comments for good; their replies move up one level (the center's go to
    the trash instead). Return how many.

    Each deletion is written to the audit log (as done by ``by``, with ``detail``).
    """
    deleted = 0
    with transaction.atomic():
        rows = comments.select_related("article").select_for_update(of=("self",))
        for comment in rows.order_by("-created_at"):
            _trash_center_replies(comment, by=by)
            audit.record(by, audit.Action.COMMENT_DELETED, comment, detail)
            comment.delete()
            deleted += 1
    return deleted


def empty_old_trash(now=None):
    """Delete comments that have been in the trash longer than the retention period."""
    now = now or timezone.now()
    cutoff = now - timezone.timedelta(days=comment_settings.COMMENTS_TRASH_RETENTION_DAYS)
    return delete_comments(
        Comment.objects.filter(status=Comment.Status.TRASH, status_changed_at__lt=cutoff),
        detail=_("In the trash for more than %(days)d days")
        % {"days": comment_settings.COMMENTS_TRASH_RETENTION_DAYS},
    )


def erase_old_network_data(now=None):
    """Blank the IP address and browser of comments older than the retention period."""
    now = now or timezone.now()
    cutoff = now - timezone.timedelta(days=comment_settings.COMMENTS_IP_RETENTION_DAYS)
    return (
        Comment.objects.filter(created_at__lt=cutoff)
        .filter(Q(ip_address__isnull=False) | ~Q(user_agent=""))
        .update(ip_address=None, user_agent="")
    )


# --- The commenter's own data -------------------------------------------------------


def withdraw_token(comment):
    """A private link token that lets the author withdraw ``comment``."""
    return signing.dumps({"c": comment.pk}, salt=WITHDRAW_SALT)


def withdraw_url(comment):
    """The author's private link to withdraw ``comment``."""
    return reverse("comments:withdraw", args=[withdraw_token(comment)])


def comment_for_withdraw_token(token):
    """The comment a token names, or None if the token is forged, stale or used."""
    try:
        data = signing.loads(
            token,
            salt=WITHDRAW_SALT,
            max_age=timezone.timedelta(days=comment_settings.COMMENTS_WITHDRAW_DAYS),
        )
        comment = Comment.objects.get(pk=data["c"], is_withdrawn=False)
    except (signing.BadSignature, Comment.DoesNotExist, KeyError, TypeError):
        return None
    # Links are made afresh on each page view; the comment's age bounds them all.
    too_old = timezone.now() - comment.created_at > timezone.timedelta(
        days=comment_settings.COMMENTS_WITHDRAW_DAYS
    )
    return None if too_old else comment


ANONYMOUS_NAME = "Anonymous"


def _anonymise(comment, *, remove_text):
    comment.author_name = ANONYMOUS_NAME
    comment.author_email = f"erased-{comment.pk}@users.invalid"
    comment.author_url = ""
    comment.ip_address = None
    comment.user_agent = ""
    comment.user = None
    if remove_text:
        comment.body = "[This comment was removed at its author's request.]"


def withdraw_comment(comment):
    """The author takes the comment back: hidden for good and personal data erased."""
    with transaction.atomic():
        ReplySubscription.objects.filter(comment=comment).delete()
        _anonymise(comment, remove_text=True)
        was_approved = comment.status == Comment.Status.APPROVED
        if comment.status != Comment.Status.TRASH:
            comment.move_to(Comment.Status.TRASH)
        comment.is_withdrawn = True
        comment.save()
        if was_approved:
            _trash_center_replies(comment, by=None)
    return comment


def export_commenter_data(email):
    """Every comment written with ``email``, as plain data (for a data request)."""
    return [
        {
            "id": comment.pk,
            "article": comment.article.title,
            "article_url": settings.SITE_URL + comment.article.get_absolute_url(),
            "in_reply_to": comment.parent_id,
            "name": comment.author_name,
            "email": comment.author_email,
            "website": comment.author_url,
            "text": comment.body,
            "status": comment.status,
            "submitted_at": comment.created_at.isoformat(),
            "ip_address": comment.ip_address,
            "browser": comment.user_agent,
            "reply_emails": _export_subscription(getattr(comment, "reply_subscription", None)),
        }
        for comment in Comment.objects.by_email(email)
        .select_related("article", "reply_subscription")
        .order_by("created_at")
    ]


def _export_subscription(subscription):
    """A comment's reply subscription as plain data (None when it has none)."""
    if subscription is None:
        return None
    return {
        "email": subscription.email,
        "subscribed_at": subscription.created_at.isoformat(),
        "confirmed_at": subscription.confirmed_at and subscription.confirmed_at.isoformat(),
        "unsubscribed_at": (
            subscription.unsubscribed_at and subscription.unsubscribed_at.isoformat()
        ),
    }


def erase_commenter_data(email, *, remove_text=False):
    """Anonymise every comment written with ``email`` and delete the reply
    subscriptions made with it; return how many comments."""
    erased = 0
    with transaction.atomic():
        (
            ReplySubscription.objects.filter(comment__in=Comment.objects.by_email(email))
            | ReplySubscription.objects.by_email(email)
        ).delete()
        for comment in Comment.objects.by_email(email).select_for_update(of=("self",)):
            _anonymise(comment, remove_text=remove_text)
            comment.save()
            erased += 1
    return erased
