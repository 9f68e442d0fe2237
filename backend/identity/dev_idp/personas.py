"""The development identity provider's test personas (all made up).

Their `sub` values are fixed so tests and demo data can rely on them: the common ID
(Person.id) is created at a persona's first login and keyed on
(`settings.dev_idp_issuer`, sub). Seed demo households by these subjects:

| sub          | name           | who                                                      |
|--------------|----------------|----------------------------------------------------------|
| `dev-taro`   | 津山 太郎       | resident, born 1981-04-12, 岡山県津山市山北520             |
| `dev-hanako` | 津山 花子       | resident, parent of two school children, born 1986-07-03 |
| `dev-hana`   | 美作 ハナ       | resident aged 82, lives alone, born 1944-02-11           |
| `dev-ichiro` | 職員 一郎       | city staff (`tsuyama_role` "staff")                      |
| `dev-visitor`| Visitor (email) | email-only visitor (acr "email"): name and email only    |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

ACR_CARD = "card"
ACR_EMAIL = "email"


@dataclass(frozen=True)
class Persona:
    sub: str
    name: str
    description: str  # shown under the button (Japanese)
    acr: str = ACR_CARD
    birthdate: date | None = None
    gender: str | None = None
    address: str | None = None
    email: str | None = None
    role: str | None = None  # sent as `tsuyama_role`

    def claims(self) -> dict[str, Any]:
        """The identity claims of the persona's ID token."""
        claims: dict[str, Any] = {"sub": self.sub, "name": self.name, "acr": self.acr}
        if self.birthdate is not None:
            claims["birthdate"] = self.birthdate.isoformat()
        if self.gender is not None:
            claims["gender"] = self.gender
        if self.address is not None:
            claims["address"] = {"formatted": self.address}
        if self.email is not None:
            claims["email"] = self.email
        if self.role is not None:
            claims["tsuyama_role"] = self.role
        return claims


TARO = Persona(
    sub="dev-taro",
    name="津山 太郎",
    description="住民",
    birthdate=date(1981, 4, 12),
    gender="male",
    address="岡山県津山市山北520",
)
HANAKO = Persona(
    sub="dev-hanako",
    name="津山 花子",
    description="住民・小学生と中学生の保護者",
    birthdate=date(1986, 7, 3),
    gender="female",
    address="岡山県津山市山北520",
)
HANA = Persona(
    sub="dev-hana",
    name="美作 ハナ",
    description="住民・一人暮らしの高齢者",
    birthdate=date(1944, 2, 11),
    gender="female",
    address="岡山県津山市小田中",
)
ICHIRO = Persona(
    sub="dev-ichiro",
    name="職員 一郎",
    description="津山市職員",
    birthdate=date(1979, 10, 20),
    gender="male",
    address="岡山県津山市林田",
    role="staff",
)
VISITOR = Persona(
    sub="dev-visitor",
    name="Visitor (email)",
    description="メールアドレスのみの来訪者",
    acr=ACR_EMAIL,
    email="visitor@example.com",
)

PERSONAS: tuple[Persona, ...] = (TARO, HANAKO, HANA, ICHIRO, VISITOR)
PERSONAS_BY_SUB: dict[str, Persona] = {p.sub: p for p in PERSONAS}
