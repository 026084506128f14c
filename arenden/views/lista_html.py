"""Worklist markup built in Python: the filter options and the table rows.

Why: a page has ~130 <option>s (100 KVÅ groups) and 25 rows; through the template engine that was ~30 ms of a
~55 ms render at national scale. The markup is exactly what templates/arenden/lista.html produced before.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html_join
from django.utils.safestring import SafeString, mark_safe

from arenden.models import STEG_FOR_STATUS, VANTAR_PA_VARD, Status, kvar_text
from vardformedling import format as fmt

_STATUS_NAMN = dict(Status.choices)
_VANTAR = frozenset(VANTAR_PA_VARD)


def options(val, vald: str | None) -> SafeString:
    """`<option>`s for (value, label) pairs; `vald` (the query-string value) is selected."""
    vald = "" if vald is None else str(vald)
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((v, mark_safe(" selected") if str(v) == vald else "", t) for v, t in val),
    )


def _steg(a) -> int:
    # As Arende.steg, without the property lookups per row.
    if a.status == Status.AVSLUTAD_TIDIGT:
        return a.avslutad_i_steg or 1
    return STEG_FOR_STATUS[a.status]


def rader_html(rader, *, mottagare: bool, snart: int) -> SafeString:
    """The worklist's `<tr>`s; each case must carry `kvar` (days left until the care-guarantee date). A booked
    call-back (due: "Ring upp"), a parked case and one back from parking are badges beside the date."""
    ut = []
    nu = timezone.now()
    for a in rader:
        badge = ""
        if a.status in _VANTAR:  # the countdown stops once care is performed
            if a.kvar < 0:
                badge = ' <span class="badge badge--err">Passerad</span>'
            elif a.kvar <= snart:
                badge = f' <span class="badge badge--warn">{kvar_text(a.kvar).capitalize()}</span>'
        if a.aterringning is not None:
            nar = fmt.tidpunkt(a.aterringning)
            if a.aterringning <= nu:
                badge += f' <span class="badge badge--warn">Ring upp {nar}</span>'
            else:
                badge += f' <span class="badge badge--info">Återuppringning {nar}</span>'
        if a.bevakas_sedan is not None:
            badge += ' <span class="badge badge--info">Bevakas</span>'
        elif a.bevakning_vaknade is not None:
            badge += f' <span class="badge badge--ok">Åter från bevakning {fmt.datum(a.bevakning_vaknade)}</span>'
        if getattr(a, "rad_full", False):
            badge += ' <span class="badge badge--err">Erbjudande på full avtalsrad</span>'
        if getattr(a, "post_uppgift", False):
            badge += ' <span class="badge badge--warn">Skicka erbjudandet per post</span>'
        if svar := getattr(a, "digitalt_svar", ""):
            badge += f' <span class="badge badge--warn">{escape(svar)}</span>'
        if mottagare:
            sista = fmt.datum(a.planerat_datum) or "–"
        else:
            sista = escape(a.handlaggare.namn) if a.handlaggare and a.handlaggare.namn else "Ej tilldelad"
        # The identity as the commission may see it (arenden.services.identitet.visa): name and masked number, or a
        # dash with the reason as a tooltip-free hidden text for screen readers.
        v = a.visning
        if v.identitet:
            patient = f'{escape(v.identitet.namn)}<br><span class="muted nowrap">{escape(v.identitet.maskerat)}</span>'
        else:
            patient = f'–<span class="visually-hidden"> {escape(v.meddelande)}</span>'
        case_id = escape(a.case_id)
        datum = fmt.datum(a.vardgaranti_datum)
        ut.append(
            f"""<tr>
      <td class="nowrap"><a href="{escape(reverse("arenden:arende", args=[a.case_id]))}">{case_id}</a></td>
      <td>{patient}</td>
      <td>{escape(a.kva_id)}</td>
      <td>{_steg(a)}. {escape(_STATUS_NAMN.get(a.status, a.status))}</td>
      <td>{datum}
        {badge}</td>
      <td>{sista}</td>
    </tr>
"""
        )
    return mark_safe("".join(ut))  # noqa: S308 – every value above is escaped or a number/date
