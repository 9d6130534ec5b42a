"""Small files the fetch tests write themselves (so a run without ../shared covers the code)."""

from __future__ import annotations

PRICE_HEADER = (
    "date,admin1,admin2,market,market_id,latitude,longitude,category,commodity,commodity_id,"
    "unit,priceflag,pricetype,currency,price,usdprice\n"
    "#date,#adm1+name,#adm2+name,#loc+market+name,#loc+market+code,#geo+lat,#geo+lon,"
    "#item+type,#item+name,#item+code,#item+unit,#item+price+flag,#item+price+type,"
    "#currency+code,#value,#value+usd\n"
)


def price_csv(months: int = 24, markets: tuple[str, ...] = ("Kabul", "Herat")) -> bytes:
    """A WFP HDX price file (current layout, HXL row) of Afghan wheat flour: one row per
    market and month from January 2022."""
    lines = [PRICE_HEADER]
    for number, market in enumerate(markets):
        for month in range(months):
            year, mon = 2022 + month // 12, month % 12 + 1
            price = 40 + month * 0.5 + number
            lines.append(
                f"{year}-{mon:02d}-15,Kabul,Kabul,{market},{100 + number},34.5,69.2,"
                f"cereals and tubers,Wheat flour,58,KG,actual,Retail,AFN,{price:.2f},"
                f"{price / 70:.4f}\n"
            )
    return "".join(lines).encode()


IPC_HEADER = (
    "Date of analysis,Country,Total country population,Validity period,From,To,Phase,"
    "Number,Percentage\n"
)


def ipc_csv(analyses: tuple[str, ...] = ("Apr 2023",)) -> bytes:
    """An HDX IPC national long file: Afghanistan's phases for each analysis month."""
    lines = [IPC_HEADER]
    for analysis in analyses:
        month = {"Apr 2023": "04", "Oct 2023": "10"}[analysis]
        period = f"2023-{month}-01,2023-{month}-30"
        for phase, number, share in (
            ("all", 43100000, 1.0),
            ("3+", 17240000, 0.4),
            ("1", 10344000, 0.24),
            ("2", 15516000, 0.36),
            ("3", 12930000, 0.3),
            ("4", 4310000, 0.1),
            ("5", 0, 0.0),
        ):
            lines.append(f"{analysis},AFG,43100000,current,{period},{phase},{number},{share}\n")
    return "".join(lines).encode()
