"""The introducers of the applicant: two official members, or a union's committee and one."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from ptdv.rules.facts import CandidacyFacts, IntroducerFacts, PersonFacts
from ptdv.rules.findings import Citation, Finding
from ptdv.rules.i18n import gettext_noop
from ptdv.rules.months import add_months, age_in_full_months
from ptdv.rules.rulesets import RuleSet

from ._text import INFO, E, W, _d, _official_on

_KIND_LABELS = {
    "member": gettext_noop("đảng viên chính thức"),
    "youth_union": gettext_noop("Ban Chấp hành Đoàn cơ sở"),
    "trade_union": gettext_noop("Ban Chấp hành Công đoàn cơ sở"),
}


def introducer_key(intro: IntroducerFacts) -> tuple[str, int, str]:
    """Who introduces: the member (by id, by name when none), or the union's committee."""
    if intro.kind == "member":
        return (intro.kind, intro.person_id, "" if intro.person_id else intro.name)
    return (intro.kind, 0, "")


def current_introducers(
    introducers: tuple[IntroducerFacts, ...],
) -> tuple[list[IntroducerFacts], list[tuple[IntroducerFacts, IntroducerFacts]]]:
    """The letters that count and the ones a later letter of the same introducer replaced.

    A paper that has expired "phải làm lại" (HD 01-HD/TW, mục 3): the letter made again by the
    same member, or the union committee's new resolution, replaces the older one. The latest
    letter of each introducer (by its date, then by the order recorded) counts; the others are
    returned as ``(older, newer)`` pairs, in the order recorded.
    """
    latest: dict[tuple[str, int, str], IntroducerFacts] = {}
    for intro in introducers:
        key = introducer_key(intro)
        kept = latest.get(key)
        if kept is None or (intro.letter_date or date.min) >= (kept.letter_date or date.min):
            latest[key] = intro
    current: list[IntroducerFacts] = []
    replaced: list[tuple[IntroducerFacts, IntroducerFacts]] = []
    for intro in introducers:
        newest = latest[introducer_key(intro)]
        if intro is newest and not any(c is intro for c in current):
            current.append(intro)
        else:
            replaced.append((intro, newest))
    return current, replaced


#: Appended to the findings of a letter that is not counted because enough others are valid.
NOT_COUNTED = gettext_noop(
    "Giấy này không được tính vào số người giới thiệu (đã đủ người giới thiệu hợp lệ); nên đính "
    "chính để rút khỏi hồ sơ."
)


def check_introducers(facts: CandidacyFacts, rule_set: RuleSet, on: date) -> list[Finding]:
    """The introducers of the applicant, on the day the cell considers the admission.

    - Two official members; or, for a Youth Union member of youth age (≤ 30 years), the
      grassroots Youth Union committee plus one official member; or, where there is no Youth
      Union, the grassroots Trade Union committee plus one official member (Điều lệ Đảng, Điều 4
      khoản 1; QĐ mục 3.1).
    - A member introducer must be an official member (on the date of the letter and on ``on``)
      and have worked, studied or lived with the applicant ≥ 12 months under the same grassroots
      organisation (Điều lệ Đảng, Điều 4 khoản 2: "ít nhất một năm").
    - The letter / union resolution expires ``dossier_papers_valid_months`` (12) months after its
      date if the cell has not considered the dossier (unverified; HD 01/HD 06).
    - A later letter of the same introducer replaces the earlier one (:func:`current_introducers`:
      the expired paper "made again", HD 01 mục 3): the earlier is information, not checked.
    - Only valid introducers are counted. When the valid ones are enough, the problems of the
      other letters are warnings (the Charter asks for two introducers who qualify, not that no
      one else wrote); when they are not enough, they stay errors and say what to correct.
    """
    p = facts.person
    out: list[Finding] = []
    cite_n = rule_set.cite("introducers_required")
    current, replaced = current_introducers(facts.introducers)
    for old, new in replaced:
        out.append(_replaced(old, new, cite_n))
    counts = {"member": 0, "youth_union": 0, "trade_union": 0}
    invalid: list[Finding] = []
    for intro in current:
        if intro.kind == "member":
            found = _member_introducer(intro, rule_set, on)
            doc = "Giấy giới thiệu"
        elif intro.kind in ("youth_union", "trade_union"):
            found = _union_introducer(intro, p, cite_n)
            doc = "Nghị quyết giới thiệu"
        else:
            out.append(
                Finding(
                    "introducer.unknown_kind",
                    E,
                    f"Loại người giới thiệu “{intro.kind}” không hợp lệ.",
                    cite_n,
                    event_id=intro.event_id,
                )
            )
            continue
        letter_kind = "introducer_letter" if intro.kind == "member" else "union_resolution"
        found = [
            replace(
                f,
                event_id=intro.event_id,
                paper_kind=letter_kind if f.code.startswith("introducer.letter_") else "",
            )
            for f in found + _introducer_letter(intro, doc, rule_set, on)
        ]
        if any(f.is_error for f in found):
            invalid.extend(found)
        else:
            counts[intro.kind] += 1
            out.extend(found)
    enough = _introducers_enough(p, counts, rule_set, on)
    if invalid and not any(f.code == "introducers.insufficient" for f in enough):
        invalid = [
            replace(f, severity=W, message=f"{f.message} {NOT_COUNTED}") if f.is_error else f
            for f in invalid
        ]
    return out + invalid + enough


def _replaced(old: IntroducerFacts, new: IntroducerFacts, cite: Citation) -> Finding:
    """An earlier letter of an introducer who wrote again: replaced (a double entry of the same
    day is a warning: one of the two should be corrected)."""
    who = old.name if old.kind == "member" else _KIND_LABELS.get(old.kind, old.kind)
    if old.letter_date == new.letter_date:
        return Finding(
            "introducer.duplicate",
            W,
            f"Người giới thiệu {who} được ghi hai lần cùng ngày"
            + (f" {_d(old.letter_date)}" if old.letter_date else "")
            + ": chỉ tính một lần; nên đính chính bản ghi thừa.",
            cite,
            event_id=old.event_id,
        )
    when = f" ngày {_d(old.letter_date)}" if old.letter_date else ""
    return Finding(
        "introducer.replaced",
        INFO,
        f"Giấy giới thiệu của {who}{when} đã được thay bằng giấy ngày "
        f"{_d(new.letter_date) if new.letter_date else '—'}: chỉ tính giấy mới.",
        cite,
        event_id=old.event_id,
    )


def _member_introducer(intro: IntroducerFacts, rule_set: RuleSet, on: date) -> list[Finding]:
    """A member introducer: an official member on the date of the letter and on ``on``, with the
    applicant ≥ 12 months under the same grassroots organisation (Điều lệ Đảng, Điều 4 khoản 2)."""
    cite_m = rule_set.cite("introducer_min_months")
    out: list[Finding] = []
    when = intro.letter_date or on
    if not _official_on(intro.official_since, None, min(when, on)):
        out.append(
            Finding(
                "introducer.not_official",
                E,
                f"Người giới thiệu {intro.name} chưa là đảng viên chính thức khi giới thiệu.",
                cite_m,
            )
        )
    if intro.left_on is not None and intro.left_on <= on:
        out.append(
            Finding(
                "introducer.left",
                E,
                f"Người giới thiệu {intro.name} đã ra khỏi Đảng hoặc chuyển đi từ ngày "
                f"{_d(intro.left_on)}.",
                cite_m,
            )
        )
    if intro.months_together < rule_set.introducer_min_months:
        out.append(
            Finding(
                "introducer.too_short",
                E,
                f"Người giới thiệu {intro.name} chưa đủ {rule_set.introducer_min_months} "
                "tháng "
                f"cùng công tác với người vào Đảng (mới {intro.months_together} tháng).",
                cite_m,
            )
        )
    if not intro.same_grassroots:
        out.append(
            Finding(
                "introducer.other_grassroots",
                E,
                f"Người giới thiệu {intro.name} không cùng tổ chức cơ sở đảng với người vào Đảng.",
                cite_m,
            )
        )
    return out


def _union_introducer(intro: IntroducerFacts, p: PersonFacts, cite_n: Citation) -> list[Finding]:
    """A union's committee introduces only its own member (Điều lệ Đảng, Điều 4 khoản 1)."""
    if intro.kind == "youth_union":
        if p.youth_union_member:
            return []
        return [
            Finding(
                "introducer.union_not_member",
                E,
                "Người vào Đảng không là đoàn viên nên Ban Chấp hành Đoàn cơ sở "
                "không thể giới thiệu.",
                cite_n,
            )
        ]
    if p.trade_union_member:
        return []
    return [
        Finding(
            "introducer.union_not_member",
            E,
            "Người vào Đảng không là đoàn viên công đoàn nên Ban Chấp hành Công "
            "đoàn cơ sở "
            "không thể giới thiệu.",
            cite_n,
        )
    ]


def _introducer_letter(
    intro: IntroducerFacts, doc: str, rule_set: RuleSet, on: date
) -> list[Finding]:
    """The letter or union resolution: present, and not older than
    ``dossier_papers_valid_months`` (12) months on ``on`` (unverified; HD 01/HD 06)."""
    who = intro.name if intro.kind == "member" else _KIND_LABELS[intro.kind]
    if intro.letter_date is None:
        cite_n = rule_set.cite("introducers_required")
        return [
            Finding("introducer.letter_missing", E, f"Chưa có {doc.lower()} của {who}.", cite_n)
        ]
    expiry = add_months(intro.letter_date, rule_set.dossier_papers_valid_months)
    if on <= expiry:
        return []
    return [
        Finding(
            "introducer.letter_expired",
            E,
            f"{doc} của {who} ngày {_d(intro.letter_date)} đã quá "
            f"{rule_set.dossier_papers_valid_months} tháng (hết hạn {_d(expiry)}); "
            "phải làm lại.",
            rule_set.cite("dossier_papers_valid_months"),
        )
    ]


def _introducers_enough(
    p: PersonFacts, counts: dict[str, int], rule_set: RuleSet, on: date
) -> list[Finding]:
    """Enough introducers of the right kinds: two official members, or the Youth Union's
    committee (for a member of youth age) or the Trade Union's plus one official member
    (Điều lệ Đảng, Điều 4 khoản 1; QĐ mục 3.1)."""
    cite_n = rule_set.cite("introducers_required")
    members, youth, trade = counts["member"], counts["youth_union"], counts["trade_union"]
    out: list[Finding] = []
    youth_age = age_in_full_months(p.birth_date, on) <= rule_set.youth_max_age_months
    ok = (
        members >= rule_set.introducers_required
        or (youth >= 1 and members >= 1 and p.youth_union_member and youth_age)
        or (trade >= 1 and members >= 1 and p.trade_union_member)
    )
    if not ok:
        out.append(
            Finding(
                "introducers.insufficient",
                E,
                "Chưa đủ người giới thiệu: cần hai đảng viên chính thức, hoặc Ban Chấp hành Đoàn "
                "cơ sở "
                "(với đoàn viên trong độ tuổi thanh niên) hay Ban Chấp hành Công đoàn cơ sở cùng "
                "một đảng "
                f"viên chính thức (hiện có {members} đảng viên"
                + (", Đoàn cơ sở" if youth else "")
                + (", Công đoàn cơ sở" if trade else "")
                + " giới thiệu hợp lệ). Ghi thêm giấy giới thiệu, hoặc đính chính giấy có sai "
                "sót.",
                cite_n,
                paper_kind="introducer_letter",
            )
        )
    elif p.youth_union_member and youth_age and youth == 0:
        out.append(
            Finding(
                "introducers.youth_route",
                W,
                "Người vào Đảng là đoàn viên trong độ tuổi thanh niên: theo Điều lệ Đảng cần Ban "
                "Chấp hành "
                "Đoàn cơ sở và một đảng viên chính thức giới thiệu.",
                cite_n,
            )
        )
    if youth and not youth_age:
        out.append(
            Finding(
                "introducers.youth_over_age",
                W,
                f"Người vào Đảng đã quá độ tuổi thanh niên ({rule_set.youth_max_age_months // 12} "
                "tuổi): "
                "Ban Chấp hành Đoàn cơ sở không còn là người giới thiệu phù hợp.",
                cite_n,
            )
        )
    return out
