import random

from django.core.management.base import BaseCommand, CommandError

from articles.models import Article
from comments.models import Comment

# Sentences the bodies are drawn from: plausible reader comments of varied length, so
# that a seeded page weighs what a real one would.
OPENINGS = [
    "Thank you for writing this so plainly.",
    "My brother went through withdrawal last winter and this matches what we saw.",
    "I wish I had read this before my first detox.",
    "The part about sleep coming back slowly helped me more than anything else.",
    "As a nurse on a detox unit, I would add that fluids matter a great deal.",
    "Day nine here. The section on cravings is taped to my fridge now.",
]
MIDDLES = [
    "Nobody told us that the anxiety can outlast the physical symptoms by weeks.",
    "Knowing the timeline made the third day feel survivable instead of endless.",
    "We asked the clinic about buprenorphine after reading the treatment section.",
    "Having a plan for the first night home made a real difference for our family.",
    "The explanation of tolerance finally made sense of the overdose warnings.",
]
ENDINGS = [
    "Please keep writing pieces like this.",
    "Sharing this with my support group tonight.",
    "Grateful for the reminder that withdrawal is not a moral failure.",
    "Would love a follow-up on the months after detox.",
]


class Command(BaseCommand):
    help = (
        "Add approved reader comments to an article, some of them replies, for "
        "development, load tests and profiling. The same --seed gives the same comments."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the article's slug")
        parser.add_argument(
            "--count", type=int, default=50, help="approved comments to add (default 50)"
        )
        parser.add_argument(
            "--replies",
            type=int,
            help="how many of them answer one of the six before them (default: 30%%)",
        )
        parser.add_argument("--seed", type=int, default=6, help="random seed (default 6)")

    def handle(self, *args, slug, count, replies, seed, **options):
        replies = count * 3 // 10 if replies is None else replies
        if count < 0:
            raise CommandError("--count must be at least 0.")
        if not 0 <= replies < max(1, count):
            raise CommandError("--replies must be at least 0 and below --count.")
        article = Article.objects.filter(slug=slug).first()
        if article is None:
            raise CommandError(f"No article with the slug {slug!r}.")
        chance = random.Random(seed)  # nosec B311 # seeded demo data, not a secret
        comments = []
        for number in range(count):
            parent = None
            # Replies spread evenly over the list (the first comment cannot be one).
            if (number + 1) * replies // count > number * replies // count:
                parent = chance.choice(comments[-6:])
            sentences = [
                chance.choice(OPENINGS),
                chance.choice(MIDDLES),
                chance.choice(ENDINGS),
            ]
            if number % 3 == 0:
                sentences.append(chance.choice(MIDDLES))
            comments.append(
                Comment.objects.create(
                    article=article,
                    parent=parent,
                    author_name=f"Reader {number + 1}",
                    author_email=f"reader{number + 1}@example.org",
                    body=" ".join(sentences),
                    status=Comment.Status.APPROVED,
                    ip_address="127.0.0.1",
                )
            )
        answering = sum(1 for comment in comments if comment.parent_id)
        self.stdout.write(
            f"Added {len(comments)} approved comments to {article.slug}, "
            f"{answering} of them replies."
        )
