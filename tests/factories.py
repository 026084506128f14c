"""Factories shared by all test files (factory-boy, Faker sv_SE)."""

import factory
from factory.django import DjangoModelFactory

from katalog.models import Agarform, KvaGrupp, Vardenhet, Vardgivare, Vardutbud
from vardformedling.models import Medarbetaruppdrag, Region, Roll, User

factory.Faker._DEFAULT_LOCALE = "sv_SE"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("hsa_id",)

    hsa_id = factory.Sequence(lambda n: f"SE2321000000-T{n:04d}")
    namn = factory.Faker("name")


class VardgivareFactory(DjangoModelFactory):
    class Meta:
        model = Vardgivare

    hsa_id = factory.Sequence(lambda n: f"SE55600{n:05d}-0000")
    orgnr = "556000-0001"
    namn = factory.Faker("company")
    agarform = Agarform.PRIVAT


class VardenhetFactory(DjangoModelFactory):
    class Meta:
        model = Vardenhet

    hsa_id = factory.Sequence(lambda n: f"SE5560000001-E{n:04d}")
    namn = factory.Sequence(lambda n: f"Testenhet {n}")
    vardgivare = factory.SubFactory(VardgivareFactory)
    region = factory.LazyFunction(lambda: Region.objects.get(kod="03"))
    ort = "Uppsala"
    lat = 59.8586
    lon = 17.6389


class VardutbudFactory(DjangoModelFactory):
    class Meta:
        model = Vardutbud

    vardenhet = factory.SubFactory(VardenhetFactory)
    kva = factory.LazyFunction(lambda: KvaGrupp.objects.get(kod="CJE"))
    max_asa = 3
    narkos = True


def make_user(roll: str = Roll.VARDLOTS, region: str | None = "20", vardenhet=None, **kwargs) -> User:
    user = UserFactory(**kwargs)
    region_obj = Region.objects.get(kod=region) if region else None
    Medarbetaruppdrag.objects.create(user=user, roll=roll, region=region_obj, vardenhet=vardenhet)
    return user
