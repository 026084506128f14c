"""Days saved need the home unit's waiting time: many KVÅ groups at once, by the lägesbild API's rule.

Its own module: the known case set of the other modules brings a newer SPOR delivery that would hide these rows.
"""

from uppfoljning import queries as q


def test_home_waiting_times_follow_the_lagesbild_api_rule_for_many_groups_at_once(db):
    from datetime import timedelta

    from django.utils import timezone

    from katalog.models import KvaGrupp
    from lagesbild.api import vantetider_for_enheter
    from lagesbild.models import Kalla, Leverans, Matvarde
    from tests.factories import VardenhetFactory

    idag = timezone.localdate()
    a, b, c = VardenhetFactory(), VardenhetFactory(), VardenhetFactory()
    spor = Leverans.objects.create(kalla=Kalla.SPOR, uttagsdatum=idag - timedelta(days=5), checksumma="s")
    ncr = Leverans.objects.create(kalla=Kalla.NCR, uttagsdatum=idag - timedelta(days=2), checksumma="n")
    gammal = Leverans.objects.create(kalla=Kalla.SPOR, uttagsdatum=idag - timedelta(days=40), checksumma="g")
    ngb, cje = KvaGrupp.objects.get(kod="NGB"), KvaGrupp.objects.get(kod="CJE")
    rad = {"matperiod": "90d", "urval": "alla"}
    Matvarde.objects.bulk_create(
        [
            Matvarde(leverans=spor, vardenhet=a, kva=ngb, antal=40, median=150, **rad),
            Matvarde(leverans=ncr, vardenhet=a, kva=ngb, antal=5, median=130, **rad),  # newer: wins
            Matvarde(leverans=spor, vardenhet=b, kva=ngb, undertryckt=True, **rad),  # "<5": not used
            Matvarde(leverans=spor, vardenhet=c, kva=cje, antal=10, median=90, **rad),
            Matvarde(leverans=gammal, vardenhet=c, kva=ngb, antal=10, median=300, **rad),  # old delivery
            Matvarde(leverans=spor, vardenhet=c, kva=cje, antal=12, median=95, matperiod="365d", urval="alla"),
        ]
    )
    par = {("NGB", a.pk), ("NGB", b.pk), ("NGB", c.pk), ("CJE", c.pk), ("CJE", a.pk)}
    assert q.hemma_vantetider(par) == {("NGB", a.pk): 130, ("CJE", c.pk): 90}
    for kva in ("NGB", "CJE"):
        api = vantetider_for_enheter(kva_kod=kva, vardenhet_ids=[a.pk, b.pk, c.pk])
        fran_api = {(kva, e): v.median_dagar for e, v in api.items() if not v.undertryckt and v.median_dagar}
        assert fran_api == {k: v for k, v in q.hemma_vantetider(par).items() if k[0] == kva}
