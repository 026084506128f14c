"""The case actions: one entry per action (form, permission, when it is legal, service, texts, place on the page).

The case page offers and dispatches every action from this registry alone (arenden/views/arende.py) and its
template iterates over it, so a new action is one more `Atgard(...)` in `ATGARDER`. An action that performs an FSM
transition is legal exactly where django-fsm-2 lets that transition proceed (its `source`); only actions that change
no state name their states themselves.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from types import MethodType
from typing import Any, cast

from django.forms import Form
from django_fsm import ANY_OTHER_STATE, ANY_STATE, can_proceed

from arenden import forms as f
from arenden import services
from arenden.models import OPPNA, Arende, Erbjudande, Status
from arenden.services import patientkanal
from arenden.services.avslut import UPPFOLJNING_I
from arenden.services.bevakning import BEVAKA_I
from arenden.services.formedling import KVITTERA_FORST, SJUKRESA_I


def _inga(_arende: Arende) -> dict[str, Any]:
    return {}


@dataclass(frozen=True, kw_only=True)
class Atgard:
    """One step action on a case (or on one of its offers), posted to /arenden/<case_id>/atgard/<namn>/."""

    namn: str  # in the URL, the form's prefix and the access-log row ("åtgärd <namn>")
    formular: type[f.VersionForm]  # its fields are the service's keyword arguments (plus the case version)
    behorighet: str  # the permission (vardformedling/rules.py) the active commission needs
    tjanst: Callable[..., Any]  # the service; called with the form's fields, anvandare, uppdrag, version and
    #                             arende= (erbjudande= for an action on an offer)
    lyckades: str  # the message after it succeeded
    etikett: str  # the form's accessible name (aria-label)
    knapp: str  # the submit button's text
    rubrik: str = ""  # the heading above the form under "Nästa steg"
    hopfalld: str = ""  # shown folded (<details>) under this summary instead of under a heading
    farlig: bool = False  # red button (ends or withdraws something)
    overgang: Callable[..., Any] | None = None  # the FSM transition it performs (`Arende.<method>`)
    tillstand: tuple[str, ...] = ()  # the states it is legal in, for an action that performs no transition
    # An action on one offer: shown in the row of every offer this holds for (case, offer), posted with its id.
    erbjudande: Callable[[Arende, Erbjudande], bool] | None = None
    formular_kwargs: Callable[[Arende], dict[str, Any]] = _inga  # extra keyword arguments for the form class
    initial: Callable[[Arende], dict[str, Any]] = _inga  # initial values besides the case version
    tar_request: bool = False  # the service reads identity and logs it with the request's address (the transfer)
    # Why the action waits although the case's status allows it (its transition's condition is not met yet): shown
    # in its place under "Nästa steg" and as the 409 message of a POST.
    vantar_pa: str = ""

    def __post_init__(self) -> None:
        if (self.overgang is None) == (not self.tillstand):
            raise ValueError(f"{self.namn}: give either overgang (the FSM transition) or tillstand, not both")
        if not (self.rubrik or self.hopfalld):
            raise ValueError(f"{self.namn}: give rubrik or hopfalld")

    @property
    def per_erbjudande(self) -> bool:
        return self.erbjudande is not None

    @property
    def statusar(self) -> frozenset[str]:
        """The states the action is legal in: its transition's sources, or its own `tillstand`."""
        return kallor(self.overgang) if self.overgang is not None else frozenset(self.tillstand)

    def mojlig(self, arende: Arende) -> bool:
        """Whether the case's current state allows the action (the FSM answers for a transition)."""
        if self.overgang is None:
            return arende.status in self.tillstand
        return can_proceed(MethodType(self.overgang, arende))

    def vantar(self, arende: Arende) -> bool:
        """Whether the case's status allows the action but its transition's condition holds it back."""
        return bool(self.vantar_pa) and arende.status in self.statusar and not self.mojlig(arende)

    def galler(self, arende: Arende, erbjudande: Erbjudande | None) -> bool:
        """Whether the action applies to this offer (an offer-level action needs one it holds for)."""
        if self.erbjudande is None:
            return erbjudande is None
        return erbjudande is not None and self.erbjudande(arende, erbjudande)

    def formular_for(self, arende: Arende, data=None, *, erbjudande_id: int | None = None) -> Form:
        kwargs = self.formular_kwargs(arende)
        if erbjudande_id is not None:
            # One form per offer on the page: ids must stay unique (labels point at the right field).
            kwargs["auto_id"] = f"id_%s_{erbjudande_id}"
        initial = {"version": arende.version, **self.initial(arende)}
        return self.formular(data, initial=initial, prefix=self.namn, **kwargs)

    def utfor(
        self, *, arende: Arende, erbjudande: Erbjudande | None, anvandare, uppdrag, data: dict[str, Any], request=None
    ):
        """Calls the service with the validated form data."""
        falt = {k: v for k, v in data.items() if k != "version"}
        mal = {"erbjudande": erbjudande} if self.per_erbjudande else {"arende": arende}
        if self.tar_request:
            falt["request"] = request
        return self.tjanst(anvandare=anvandare, uppdrag=uppdrag, version=data["version"], **mal, **falt)


@cache
def kallor(overgang: Callable[..., Any]) -> frozenset[str]:
    """The states an `Arende.status` transition may start from (its `source`; `*` and `+` spelled out)."""
    falt = Arende._meta.get_field("status")
    states: set[str] = set()
    for t in falt.get_all_transitions(Arende):
        if t.name == overgang.__name__:
            if t.source == ANY_STATE:
                states |= set(Status.values)
            elif t.source == ANY_OTHER_STATE:
                states |= set(Status.values) - {t.target}
            else:
                states.add(cast(str, t.source))  # Arende.status is a CharField
    if not states:
        raise ValueError(f"{overgang.__name__} is not a transition of Arende.status")
    return frozenset(states)


def _obesvarat(_arende: Arende, erbjudande: Erbjudande) -> bool:
    return erbjudande.status == Erbjudande.Status.LAMNAT


def _vantar_pa_post(arende: Arende, erbjudande: Erbjudande) -> bool:
    """The postal task: a digital offer unanswered past the region's days whose letter is not yet recorded. One
    letter lists every open offer and "Brev skickat" closes them all, so it is offered at the first one only."""
    if erbjudande.status != Erbjudande.Status.LAMNAT or erbjudande.erbjudet_via != Erbjudande.Via.V1177:
        return False
    if "forsta_postuppgift" in arende.__dict__:  # the case page read it for all its offers in this request
        return arende.__dict__["forsta_postuppgift"] == erbjudande.pk
    return patientkanal.forsta_postuppgift(arende) == erbjudande.pk


def _kan_aterkallas(arende: Arende, erbjudande: Erbjudande) -> bool:
    """An unanswered offer, or the accepted one while the case can still go back to the search (before the
    referral is sent)."""
    if erbjudande.status == Erbjudande.Status.ACCEPTERAT:
        return can_proceed(arende.ateroppna_sok)
    return erbjudande.status == Erbjudande.Status.LAMNAT


def _arendets_region(arende: Arende) -> dict[str, Any]:
    return {"region_kod": arende.region_id}


def _nuvarande_handlaggare(arende: Arende) -> dict[str, Any]:
    return {"handlaggare": arende.handlaggare_id} if arende.handlaggare_id else {}


def _faktura_belopp(arende: Arende) -> dict[str, Any]:
    return {"faktura_belopp": arende.faktura_belopp or services.avtalspris(arende)}


_ALLA = (
    Atgard(
        namn="bedom",
        formular=f.BedomForm,
        behorighet="arenden.registrera",
        tjanst=services.arende_bedom,
        overgang=Arende.bedom_lamplig,
        lyckades="Bedömningen är sparad.",
        rubrik="Bedömning",
        etikett="Bedömning",
        knapp="Spara bedömning",
    ),
    Atgard(
        namn="overfor",
        formular=f.OverforForm,
        behorighet="arenden.registrera",
        tjanst=services.arende_overfor,
        overgang=Arende.overfor,
        tar_request=True,
        lyckades="Remissen är skickad via SDK och kvittot registrerat.",
        rubrik="Skicka remiss (SDK)",
        etikett="Skicka remiss",
        knapp="Skicka remiss och underlag",
    ),
    Atgard(
        namn="resa",
        formular=f.ResaForm,
        behorighet="arenden.registrera",
        tjanst=services.resa_registrera,
        tillstand=tuple(SJUKRESA_I),
        lyckades="Sjukresan är registrerad.",
        rubrik="Sjukresa",
        etikett="Sjukresa",
        knapp="Registrera resa",
    ),
    Atgard(
        namn="bekrafta",
        formular=f.BekraftaForm,
        behorighet="arenden.mottagning",
        tjanst=services.remiss_bekrafta,
        overgang=Arende.bekrafta,  # only once the receiving unit's receipt is verified (its condition)
        vantar_pa=KVITTERA_FORST,
        lyckades="Remissen är bekräftad.",
        rubrik="Remissbekräftelse",
        etikett="Bekräfta remiss",
        knapp="Bekräfta remissen",
    ),
    Atgard(
        namn="utford",
        formular=f.UtfordForm,
        behorighet="arenden.mottagning",
        tjanst=services.vard_utford,
        overgang=Arende.utfor,
        lyckades="Vården är registrerad som utförd.",
        rubrik="Utförd vård",
        etikett="Utförd vård",
        knapp="Registrera utförd vård",
    ),
    Atgard(
        namn="aterremittera",
        formular=f.AterremitteraForm,
        behorighet="arenden.mottagning",
        tjanst=services.arende_aterremittera,
        overgang=Arende.aterremittera,
        lyckades="Patienten är återremitterad till hemregionen.",
        rubrik="Återremittering",
        etikett="Återremittera",
        knapp="Återremittera till hemregionen",
    ),
    Atgard(
        namn="uppfoljning",
        formular=f.UppfoljningForm,
        behorighet="arenden.registrera",
        tjanst=services.uppfoljning_registrera,
        tillstand=tuple(UPPFOLJNING_I),
        initial=_faktura_belopp,
        lyckades="Uppföljningen är sparad.",
        rubrik="Uppföljning och betalning",
        etikett="Uppföljning",
        knapp="Spara uppföljning",
    ),
    Atgard(
        namn="avsluta",
        formular=f.AvslutaForm,
        behorighet="arenden.registrera",
        tjanst=services.arende_avsluta,
        overgang=Arende.avsluta,
        lyckades="Ärendet är avslutat.",
        rubrik="Avsluta",
        etikett="Avsluta ärendet",
        knapp="Avsluta ärendet",
    ),
    Atgard(
        namn="tilldela",
        formular=f.TilldelaForm,
        behorighet="arenden.tilldela",
        tjanst=services.arende_tilldela,
        tillstand=tuple(OPPNA),
        formular_kwargs=_arendets_region,
        initial=_nuvarande_handlaggare,  # the drop-down shows who handles the case now
        lyckades="Handläggare är tilldelad.",
        rubrik="Handläggare",
        etikett="Tilldela handläggare",
        knapp="Tilldela",
    ),
    Atgard(
        namn="bevaka",
        formular=f.BevakaForm,
        behorighet="arenden.registrera",
        tjanst=services.arende_bevaka,
        tillstand=BEVAKA_I,
        lyckades="Bevakningen är sparad.",
        hopfalld="Bevaka ärendet",
        etikett="Bevaka ärendet",
        knapp="Spara bevakning",
    ),
    Atgard(
        namn="aterringning",
        formular=f.AterringningForm,
        behorighet="arenden.registrera",
        tjanst=services.aterringning_boka,
        tillstand=tuple(OPPNA),
        lyckades="Återuppringningen är sparad.",
        hopfalld="Återuppringning",
        etikett="Boka återuppringning",
        knapp="Spara återuppringning",
    ),
    Atgard(
        namn="avsluta_tidigt",
        formular=f.AvslutaTidigtForm,
        behorighet="arenden.registrera",
        tjanst=services.arende_avsluta_tidigt,
        overgang=Arende.avsluta_tidigt,
        lyckades="Ärendet är avslutat i förtid.",
        hopfalld="Avsluta ärendet i förtid",
        etikett="Avsluta i förtid",
        knapp="Avsluta i förtid",
        farlig=True,
    ),
    Atgard(
        namn="svar",
        formular=f.SvarForm,
        behorighet="arenden.registrera",
        tjanst=services.erbjudande_besvara,
        overgang=Arende.acceptera,  # an answer is registered where a yes could be accepted (step 2)
        erbjudande=_obesvarat,
        lyckades="Patientens svar är registrerat.",
        hopfalld="Registrera svar",
        etikett="Patientens svar",
        knapp="Spara svar",
    ),
    Atgard(
        namn="brev_skickat",
        formular=f.VersionForm,
        behorighet="arenden.registrera",
        tjanst=patientkanal.erbjudande_brev_skickat,
        tillstand=(Status.HITTA_VARDGIVARE,),  # which offer: _vantar_pa_post
        erbjudande=_vantar_pa_post,
        lyckades="Brevet är registrerat som skickat. Uppgiften är klar.",
        rubrik="Skicka erbjudandet per post",
        etikett="Skicka erbjudandet per post",
        knapp="Brev skickat",
    ),
    Atgard(
        namn="aterkalla",
        formular=f.AterkallaForm,
        behorighet="arenden.registrera",
        tjanst=services.erbjudande_aterkalla,
        tillstand=(Status.HITTA_VARDGIVARE, Status.FORMEDLA),  # which offer: _kan_aterkallas
        erbjudande=_kan_aterkallas,
        lyckades="Erbjudandet är återkallat.",
        hopfalld="Återkalla",
        etikett="Återkalla erbjudande",
        knapp="Återkalla",
        farlig=True,
    ),
)
# name → action, in the order the page shows them.
ATGARDER: dict[str, Atgard] = {a.namn: a for a in _ALLA}


def mojliga(arende: Arende, user) -> list[Atgard]:
    """The actions legal in the case's state that the user's active commission may take, in page order."""
    # Permission first: a transition's condition may read the database (the receipt check), permissions don't.
    return [a for a in ATGARDER.values() if user.has_perm(a.behorighet) and a.mojlig(arende)]


def vantande(arende: Arende, user) -> list[Atgard]:
    """The actions this commission may take that wait for something besides the status (`Atgard.vantar_pa`)."""
    return [a for a in ATGARDER.values() if user.has_perm(a.behorighet) and a.vantar(arende)]
