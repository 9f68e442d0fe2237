"""The development identity provider's test personas (all made up).

Their `sub` values are fixed so tests and demo data can rely on them: the common ID
(Person.id) is created at a persona's first login and keyed on
(`settings.dev_idp_issuer`, sub). Seed demo households by these subjects:

| sub          | name           | who                                                      |
|--------------|----------------|----------------------------------------------------------|
| `dev-taro`   | 津山 太郎       | resident, born 1981-04-12, 岡山県津山市山北520             |
| `dev-hanako` | 津山 花子       | resident, parent of two school children, born 1986-07-03 |
| `dev-hana`   | 美作 ハナ       | resident aged 82, lives alone, born 1944-02-11           |
| `dev-ichiro` | 職員 一郎       | city staff of 環境事業課 (waste: bulky waste)             |
| `dev-sakura` | 職員 さくら     | city staff of 市民課 (procedures, counter)                |
| `dev-kodomo` | 職員 こども     | city staff of こども課 (children: child allowance)        |
| `dev-kaigo`  | 職員 かいご     | city staff of 高齢介護福祉課 (care: long-term care)        |
| `dev-kenta`  | 職員 健太       | city staff of 健康増進課 (health)                          |
| `dev-kyoin`  | 教員 津山一郎   | teacher at 津山市立東小学校 (`school:tsuyama-higashi-es`) |
| `dev-koho`   | 職員 広報       | city staff of 広報・情報発信 (notices)                     |
| `dev-minori` | 職員 みのり     | city staff of 地域振興課 (points: shops, grants, codes)    |
| `dev-gongo`  | 店員 ごんご     | resident, clerk of the demo shop ごんご商店 (points)      |
| `dev-kotsu`  | 職員 交通       | city staff of 交通政策課 (transit: timetable feeds)       |
| `dev-admin`  | 管理 システム   | system administrator (grants staff scopes; no data)      |
| `dev-visitor`| Visitor (email) | email-only visitor (acr "email"): name and email only    |

Staff personas send `tsuyama_role` "staff" and `tsuyama_departments` (their scopes,
`backend/identity/staff_departments.py`; ADR 0023).
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
    departments: tuple[str, ...] = ()  # sent as `tsuyama_departments` (staff scopes)

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
        if self.departments:
            claims["tsuyama_departments"] = list(self.departments)
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
    description="津山市職員・環境事業課（粗大ごみ）",
    birthdate=date(1979, 10, 20),
    gender="male",
    address="岡山県津山市林田",
    role="staff",
    departments=("waste",),
)
SAKURA = Persona(
    sub="dev-sakura",
    name="職員 さくら",
    description="津山市職員・市民課（手続き・窓口）",
    birthdate=date(1990, 4, 2),
    gender="female",
    address="岡山県津山市川崎",
    role="staff",
    departments=("citizens",),
)
KODOMO = Persona(
    sub="dev-kodomo",
    name="職員 こども",
    description="津山市職員・こども課（児童手当・子育ての手続き）",
    birthdate=date(1991, 8, 12),
    gender="female",
    address="岡山県津山市椿高下",
    role="staff",
    departments=("children",),
)
KAIGO = Persona(
    sub="dev-kaigo",
    name="職員 かいご",
    description="津山市職員・高齢介護福祉課（介護保険の手続き）",
    birthdate=date(1984, 3, 27),
    gender="male",
    address="岡山県津山市高野本郷",
    role="staff",
    departments=("care",),
)
KENTA = Persona(
    sub="dev-kenta",
    name="職員 健太",
    description="津山市職員・健康増進課",
    birthdate=date(1985, 9, 9),
    gender="male",
    address="岡山県津山市二宮",
    role="staff",
    departments=("health",),
)
KYOIN = Persona(
    sub="dev-kyoin",
    name="教員 津山一郎",
    description="津山市立東小学校の教員",
    birthdate=date(1983, 6, 15),
    gender="male",
    address="岡山県津山市東一宮",
    role="staff",
    departments=("school:tsuyama-higashi-es",),
)
KOHO = Persona(
    sub="dev-koho",
    name="職員 広報",
    description="津山市職員・広報・情報発信（お知らせ）",
    birthdate=date(1992, 1, 20),
    gender="female",
    address="岡山県津山市山下",
    role="staff",
    departments=("notices",),
)
MINORI = Persona(
    sub="dev-minori",
    name="職員 みのり",
    description="津山市職員・地域振興課（ポイント）",
    birthdate=date(1988, 11, 3),
    gender="female",
    address="岡山県津山市田町",
    role="staff",
    departments=("points",),
)
GONGO = Persona(
    sub="dev-gongo",
    name="店員 ごんご",
    description="住民・ごんご商店の店員（ポイント払いの店舗画面）",
    birthdate=date(1979, 8, 8),
    gender="male",
    address="岡山県津山市田町8",
)
KOTSU = Persona(
    sub="dev-kotsu",
    name="職員 交通",
    description="津山市職員・交通政策課（時刻表データ）",
    birthdate=date(1987, 5, 21),
    gender="female",
    address="岡山県津山市沼",
    role="staff",
    departments=("transit",),
)
ADMIN = Persona(
    sub="dev-admin",
    name="管理 システム",
    description="システム管理者（職員の権限）",
    birthdate=date(1975, 12, 1),
    gender="male",
    address="岡山県津山市山下",
    role="staff",
    departments=("admin",),
)
VISITOR = Persona(
    sub="dev-visitor",
    name="Visitor (email)",
    description="メールアドレスのみの来訪者",
    acr=ACR_EMAIL,
    email="visitor@example.com",
)

PERSONAS: tuple[Persona, ...] = (TARO, HANAKO, HANA, ICHIRO, SAKURA, KODOMO, KAIGO, KENTA, KYOIN,
                                  KOHO, MINORI, GONGO, KOTSU, ADMIN, VISITOR)
PERSONAS_BY_SUB: dict[str, Persona] = {p.sub: p for p in PERSONAS}
