"""A digest as an e-mail: subject, text and HTML parts (RFC 2046 multipart/alternative).

Written in the current language (the caller sets the reader's): Arabic HTML is ``dir="rtl"``
with figures isolated; every item links to its page; the footer and the ``List-Unsubscribe``
header (RFC 2369) carry the signed unsubscribe link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from iofs.i18n import current_language, ngettext, text_direction
from iofs.i18n import gettext as _
from iofs.notifications.phrases import Day, Num, Phrase, phrase
from iofs.notifications.topics import TOPICS, Item


@dataclass(frozen=True)
class Section:
    """The items of one topic, under the topic's translated name."""

    topic: str
    title: str
    items: list[Item]


def sections(items: list[Item]) -> list[Section]:
    """Items grouped by topic, in the order of :data:`TOPICS`."""
    return [
        Section(name, _(topic.label), [i for i in items if i.topic == name])
        for name, topic in TOPICS.items()
        if any(i.topic == name for i in items)
    ]


def subject(frequency: str, count: int, today: date) -> Phrase:
    """``IOFS daily digest, 2 Dec 2026: 3 new items`` in the current language (text for the
    Subject header, HTML with isolated figures for the message's heading)."""
    template = (
        ngettext(
            "IOFS weekly digest, %(date)s: %(count)s new item",
            "IOFS weekly digest, %(date)s: %(count)s new items",
            count,
        )
        if frequency == "weekly"
        else ngettext(
            "IOFS daily digest, %(date)s: %(count)s new item",
            "IOFS daily digest, %(date)s: %(count)s new items",
            count,
        )
    )
    return phrase(template, date=Day(today), count=Num(count))


def _text(name: str, groups: list[Section], base_url: str, unsubscribe_url: str) -> str:
    lines = [_("Hello %(name)s,") % {"name": name}, ""]
    lines.append(_("New since your last digest:"))
    for group in groups:
        lines += ["", group.title, "=" * len(group.title)]
        for item in group.items:
            lines += [f"* {item.title}", f"  {item.detail.text}", f"  {base_url}{item.path}"]
    lines += [
        "",
        "-- ",
        _("Choose your topics: %(url)s") % {"url": f"{base_url}/notifications"},
        _("Unsubscribe from these topics: %(url)s") % {"url": unsubscribe_url},
    ]
    return "\n".join(lines) + "\n"


def _html(
    name: str, title: Phrase, groups: list[Section], base_url: str, unsubscribe_url: str
) -> str:
    from iofs.http.templating import environment

    language = current_language()
    return (
        environment()
        .get_template("notifications/digest.html")
        .render(
            lang=language,
            dir=text_direction(language),
            title=title,
            name=name,
            sections=groups,
            base_url=base_url,
            unsubscribe_url=unsubscribe_url,
        )
    )


def digest_message(
    *,
    sender: str,
    recipient: str,
    name: str,
    frequency: str,
    items: list[Item],
    today: date,
    base_url: str,
    unsubscribe_url: str,
    domain: str,
) -> EmailMessage:
    """The digest for one reader, in the current language, ready for :class:`Mailer`."""
    groups = sections(items)
    title = subject(frequency, len(items), today)
    message = EmailMessage()
    message["Subject"] = title.text
    message["From"] = sender
    message["To"] = formataddr((name, recipient))
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid("digest", domain=domain)
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_text(name, groups, base_url, unsubscribe_url))
    message.add_alternative(_html(name, title, groups, base_url, unsubscribe_url), subtype="html")
    # after the body: setting content clears every Content-* header
    message["Content-Language"] = current_language()
    return message


def check_message(*, sender: str, recipient: str, domain: str, base_url: str) -> EmailMessage:
    """A short message proving the SMTP settings work, in the current language."""
    message = EmailMessage()
    message["Subject"] = _("IOFS test message")
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid("test", domain=domain)
    message.set_content(
        _("This message was sent by iofs (%(url)s) to check its e-mail settings.")
        % {"url": base_url}
        + "\n"
    )
    message["Content-Language"] = current_language()
    return message
