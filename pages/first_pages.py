"""The site pages every install starts with (created by a data migration; editors
change them in the admin afterwards).

The privacy notice describes what the code does: each figure in it is a placeholder
that shows the current setting, and a test reads the notice against the settings.
"""

ABOUT = """\
{{ site_name }} is an addiction-recovery center. This site is where we share what we
know about substance use, withdrawal, treatment and recovery, for people finding their
way and for the people who love them.

## Why we write

Many people first look for help at night, alone, with a search box. We want what they
find to be accurate, kind and easy to read. Our articles explain how things work in the
body, what treatment looks like and what to ask a clinician, without judgement and
without selling anything.

## Who writes and checks the articles

Our editorial team writes every article in plain language. A clinician on our medical
review team checks it before it is published, and again at regular intervals after
that. How we do this is set out in our [editorial policy](/editorial-policy/).

## What this site is not

The articles are for general education. They are not a diagnosis or a treatment plan,
and they do not replace a conversation with a doctor who knows you.

If you are in crisis, call or text **988** (the 988 Suicide & Crisis Lifeline). For
treatment referrals, call the {{ helpline_name }} on **{{ helpline_phone }}**. In an
emergency, or if someone may be overdosing, call **911**.
"""

PRIVACY = """\
This notice explains what {{ site_name }} keeps about you when you read this site or
leave a comment, why, for how long, and how to get it back or have it removed.

## Reading the site

You can read every article without an account, and we do not ask who you are. The site
uses no analytics, no advertising and no tracking cookies, and every page, picture and
font comes from this site alone, so no other company learns what you read here.

## Telling us whether an article helped

At the end of each article you can answer "Was this article helpful?" and add a note for
our editors. We keep only the answer, the note and the time: no name, no address, no
cookie and no IP address. The note is never published: only our editors read it, and it
is kept until an editor deletes it. To stop the same answer being sent many
times, the site remembers for a short while that your connection has just answered,
without keeping the address itself.

## Leaving a comment

When you post a comment we store:

- the name you give, shown with your comment once it is published;
- your email address, which is never published;
- your website, if you give one, linked from your name;
- your comment, the article it is on and the time you sent it;
- your IP address and the name of your browser, which help moderators spot abuse and
  spam.

Your IP address and browser are erased {{ ip_retention_days }} days after you post,
whatever happens to the comment. We check comments for spam on our own server; they are
not sent to any other service.

Most comments are read by a moderator before they appear; a comment from someone whose
earlier comments were approved under the same name and email address may appear at
once. If a comment
suggests that someone may be in danger, it is never published by itself: a moderator
reads it first, and you are shown where to find help straight away.

## Emails about replies

Under the comment form there is a box, unticked until you tick it, to be told by email
when someone replies to your comment. If you tick it, we send one email to the address
you gave with a link to confirm; nothing more is sent until you press it. If you do not
confirm within {{ reply_confirm_days }} days, the request is deleted.

Each email about a reply names the article, shows the reply as it appears on the page
with the name its author chose, and links to it: it never holds anyone's email address.
Every email has a link to stop these emails at once, and mail programs that offer a
one-click "unsubscribe" button can use it. A request you stopped is deleted
{{ reply_confirm_days }} days after it was made; withdrawing your comment, or asking us
to erase your details, deletes it at once.

## Who sees what

Anyone can read a published comment with its name, website and date. Only our
moderators and site administrators can see the email address, IP address and browser,
in the site's private administration area. The emails that tell moderators about a new
comment contain only the article and a link: never your email address, IP address or
words. Error reports sent to our technical staff leave out everything a visitor sends.

## Cookies

Reading an article sets no cookie. These are set only when you come to the comment
form, post a comment or sign in:

- **comments_mine**: after you post, the numbers of your recent comments, so that you
  can see your comment while it waits for a moderator and withdraw it. It lasts
  {{ withdraw_days }} days.
- **comment_author**: only if you tick "Save my name, email, and website in this
  browser". It keeps those details for your next comment for {{ saved_details_days }}
  days; posting with the box unticked deletes it.
- **messages**: a one-time note such as "Thank you", deleted once it is shown.
- **csrftoken** (on a secure connection, **__Host-csrftoken**): a security code that
  protects the comment form from forgery, set when you come to the form.
- **sessionid** (on a secure connection, **__Host-sessionid**): only for staff who sign
  in to the administration area.

## Withdrawing a comment

Beside your own comment, in the browser you posted it from, there is a **Withdraw my
comment** link. It works for {{ withdraw_days }} days. Withdrawing hides the comment for
good, removes its words and erases your name, email address, website, IP address and
browser from it at once.

## Getting a copy, or having it erased

Write to us at {{ contact_email }} from the address you commented with (see
[Contact](/contact/)). We can send you a copy of every comment written with that
address, with everything we keep about each one, or erase your name, email address,
website, IP address and browser from all of them, and the words too if you ask.

## How long we keep things

- IP address and browser: {{ ip_retention_days }} days after the comment is posted.
- A comment a moderator moves to the trash, or that you withdraw: deleted
  {{ trash_retention_days }} days later.
- A comment that is not published (waiting for a moderator, or marked as spam): kept
  until a moderator deletes it or moves it to the trash.
- A published comment: for as long as the article is online, unless you withdraw it or
  ask us to erase it.

Our backups are copies of the database, so for a while they still hold what was
erased, until those copies are replaced by newer ones.
"""

CONTACT = """\
## In an emergency

This site is not watched around the clock, and we cannot answer a crisis here.

- If you or someone else is in danger, or someone may be overdosing, call **911** now.
- If you are thinking about suicide or are worried about someone, call or text **988**
  (the 988 Suicide & Crisis Lifeline), any time, day or night.
- For help finding treatment, call the {{ helpline_name }} on
  [{{ helpline_phone }}](tel:{{ helpline_tel }}). It is free and confidential.

## Writing to {{ site_name }}

- Email: {{ contact_email }}
- Phone: {{ contact_phone }}

Please do not send medical details by email: a doctor who knows you is the right person
for those.

## About an article

If something in an article looks wrong or out of date, write to us and name the
article. A clinician on our medical review team looks at every correction we receive.

## About your comments and your data

To withdraw a comment, use the link beside it in the browser you posted from. To get a
copy of your comments or have them erased, write to us from the email address you used.
Our [privacy notice](/privacy/) explains what we keep and for how long.
"""

EDITORIAL_POLICY = """\
Health information should be accurate, current and easy to read. This is how we make
sure ours is.

## How an article is written

Our editorial team writes each article from trusted medical sources, such as public
health agencies, clinical guidelines and peer-reviewed research, and lists the main
ones under **References**. We write in plain language, aiming for a reading level most adults
find easy, and we use words that respect people: "a person with a substance use
disorder", not labels. Before an article is published, our site checks that it has a
summary, sections, a description for every picture and a medical review.

## How an article is medically reviewed

A clinician on our medical review team, such as a physician or nurse working in
addiction medicine, reads every article before it is published. They correct what
needs correcting and then record their review. The article then shows who reviewed it,
with their credentials and, where they have one, a page about them.

Each article is reviewed again at a set interval, every {{ review_period_months }}
months unless its subject needs closer watching. At the end of each article you can
see **Last reviewed** and **Next review due**. If a review falls due and has not yet
happened, the article stays online while we finish it, and its dates say so.

## How an article is dated

An article shows when it was first published and when it was last updated. Only a
clinician's full review changes the "Last reviewed" date; a small edit, such as fixing
a typing mistake, does not.

## Corrections and independence

If you find a mistake, please [tell us](/contact/): we check every report and correct
the article when needed. The site carries no advertising, and no article promotes a
product.
"""

PAGES = [
    {
        "title": "About",
        "slug": "about",
        "summary": "Who we are, why we write about recovery, and what this site can and cannot do.",
        "body": ABOUT,
        "footer_position": 1,
    },
    {
        "title": "Privacy notice",
        "slug": "privacy",
        "summary": (
            "What we keep when you read or comment, who sees it, for how long, and how "
            "to withdraw, get a copy of or erase it."
        ),
        "body": PRIVACY,
        "footer_position": 2,
    },
    {
        "title": "Contact",
        "slug": "contact",
        "summary": "How to reach us, and where to get help at once in a crisis or emergency.",
        "body": CONTACT,
        "footer_position": 3,
    },
    {
        "title": "Editorial policy",
        "slug": "editorial-policy",
        "summary": "How our articles are written, medically reviewed, dated and corrected.",
        "body": EDITORIAL_POLICY,
        "footer_position": 4,
    },
]
