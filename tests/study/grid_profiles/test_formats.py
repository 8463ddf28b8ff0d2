"""Real grid-data exports become one UTC value per hour: detected, DST-aware, averaged, gap-filled, labelled."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lca.errors import StudyError
from lca.study.grid_profile import read_profile
from tests.conftest import REPO

SAMPLES = REPO / "examples" / "time_of_use"
EM_HEADER = (
    "Datetime (UTC),Country,Zone Name,Zone Id,Carbon Intensity gCO₂eq/kWh (direct),"
    "Carbon Intensity gCO₂eq/kWh (life cycle assessment),Low Carbon Percentage\n"
)


def _write(tmp_path, text: str, name: str = "grid.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    "name, fmt",
    [
        ("SYNTHETIC_electricity_maps_SE_2025_hourly.csv", "Electricity Maps"),
        ("SYNTHETIC_rte_eco2mix_FR_2025-10.csv", "RTE eCO2mix"),
        ("SYNTHETIC_entsoe_generation_DE_LU_2025-03.csv", "ENTSO-E"),
        ("SYNTHETIC_watttime_moer_CAISO_NORTH_2025-06.csv", "WattTime"),
    ],
)
def test_each_shipped_sample_is_read_in_its_real_format_and_labelled_synthetic_by_the_product(name, fmt):
    profile = read_profile(str(SAMPLES / name))
    assert fmt in profile.format
    assert profile.synthetic and profile.summary().startswith("SYNTHETIC profile")
    steps = {(b - a).total_seconds() for a, b in zip(profile.times, profile.times[1:])}
    assert steps == {3600.0}  # UTC hourly, whatever the file's step and time zone


def test_electricity_maps_uses_the_life_cycle_column(tmp_path):
    rows = "".join(f"2025-01-01 {h:02d}:00:00,Sweden,Sweden,SE,5,{40 + h},99\n" for h in range(24))
    profile = read_profile(_write(tmp_path, EM_HEADER + rows))
    assert profile.climate[3] == pytest.approx(0.043)
    assert not profile.synthetic and profile.full_year is False


def test_the_autumn_hour_that_occurs_twice_in_paris_time_becomes_two_utc_hours(tmp_path):
    header = "Périmètre;Nature;Date;Heure;Taux de CO2 (g/kWh)\n"
    rows = []
    for h, hour in enumerate([0, 1, 2, 2, 3] + list(range(4, 24)) + list(range(24))):
        day = "2025-10-26" if h < 25 else "2025-10-27"
        for q in range(0, 60, 30):
            rows.append(f"France;Données;{day};{hour:02d}:{q:02d};{100 + h}\n")
    profile = read_profile(_write(tmp_path, header + "".join(rows)))
    assert profile.times[0] == datetime(2025, 10, 25, 22, tzinfo=UTC)  # midnight CEST
    twice = [t for t, v in zip(profile.times, profile.climate) if v in (0.102, 0.103)]
    assert [t.hour for t in twice] == [0, 1]  # 02:00 CEST and 02:00 CET, one UTC hour apart
    assert len(profile.times) == 49


def test_a_time_that_does_not_exist_in_spring_is_refused_naming_the_line(tmp_path):
    header = "Périmètre;Nature;Date;Heure;Taux de CO2 (g/kWh)\n"
    rows = "".join(f"France;D;2025-03-30;{h:02d}:00;50\n" for h in range(24))  # 02:00 does not exist
    with pytest.raises(StudyError, match=r"grid.csv:4: column 'Date'.*does not exist in Paris time"):
        read_profile(_write(tmp_path, header + rows))


def test_entsoe_generation_is_turned_into_intensity_with_the_cited_factors_weighted_by_energy(tmp_path):
    header = (
        '"Area","MTU (UTC)","Fossil Hard coal - Actual Aggregated [MW]","Wind Onshore - Actual Aggregated [MW]",'
        '"Hydro Pumped Storage - Actual Aggregated [MW]"\n'
    )
    rows = []
    for h in range(24):
        for q, (coal, wind) in enumerate([(100, 0), (0, 300)] * 2):  # 15-minute rows
            a, b = f"{h:02d}:{15 * q:02d}", f"{h:02d}:{15 * q + 14:02d}"
            rows.append(f'"BZN|DE-LU","01.01.2025 {a} - 01.01.2025 {b}","{coal}","{wind}","999"\n')
    profile = read_profile(_write(tmp_path, header + "".join(rows)))
    # energy-weighted: (100 MW x 820 + 300 MW x 11) / 400 MW; storage left out; time-weighted would be 415.5
    assert profile.climate[0] * 1000 == pytest.approx((100 * 820 + 300 * 11) / 400)
    assert "energy-weighted" in profile.summary()


def test_watttime_lbs_per_mwh_become_g_per_kwh_averaged_over_the_hour(tmp_path):
    rows = "".join(
        f"2025-06-01T{k // 12:02d}:{5 * (k % 12):02d}:00+00:00,{1000 if k % 2 else 0}\n" for k in range(24 * 12)
    )
    profile = read_profile(_write(tmp_path, "point_time,value\n" + rows))
    assert profile.climate[0] == pytest.approx(500 * 0.45359237 / 1000)


def test_gaps_up_to_three_hours_are_interpolated_and_flagged_longer_ones_refused(tmp_path):
    def native(missing):
        return "timestamp,g_co2e_per_kwh\n" + "".join(
            f"2025-01-{1 + h // 24:02d}T{h % 24:02d}:00:00+00:00,{10 * h}\n" for h in range(48) if h not in missing
        )

    profile = read_profile(_write(tmp_path, native({5, 6, 7})))
    assert profile.interpolated == (5, 6, 7)
    assert profile.climate[6] == pytest.approx(0.060)
    assert "3 hour(s) interpolated" in profile.summary()
    with pytest.raises(StudyError, match="no value from 2025-01-01 05:00 to 2025-01-01 08:00 UTC"):
        read_profile(_write(tmp_path, native({5, 6, 7, 8}), "long_gap.csv"))


def test_a_two_day_profile_says_which_months_it_covers_and_is_not_a_full_year(tmp_path):
    rows = "".join(f"2025-01-{1 + h // 24:02d}T{h % 24:02d}:00:00,40\n" for h in range(48))
    profile = read_profile(_write(tmp_path, "timestamp,g_co2e_per_kwh\n" + rows))
    assert profile.full_year is False
    assert "Jan 2025 only (48 hours), not a full year" in profile.summary()
    assert read_profile(str(SAMPLES / "SYNTHETIC_grid_profile_SE.csv")).full_year


def test_more_than_a_year_is_refused(tmp_path):
    longer = "timestamp,g_co2e_per_kwh\n2024-01-01T00:00:00,40\n" + "2025-01-02T00:00:00,40\n"
    with pytest.raises(StudyError, match="more than a year"):
        read_profile(_write(tmp_path, longer))


def test_the_file_not_only_the_study_text_makes_a_profile_synthetic(tmp_path):
    rows = "".join(f"2025-01-{1 + h // 24:02d}T{h % 24:02d}:00:00,40\n" for h in range(24))
    plain = _write(tmp_path, "timestamp,g_co2e_per_kwh\n" + rows, "ops.csv")
    assert not read_profile(plain).synthetic
    commented = _write(tmp_path, "# SYNTHETIC test data\ntimestamp,g_co2e_per_kwh\n" + rows, "ops2.csv")
    assert read_profile(commented).synthetic
    (tmp_path / "ops3.source.yaml").write_text("synthetic: true\n")
    assert read_profile(_write(tmp_path, "timestamp,g_co2e_per_kwh\n" + rows, "ops3.csv")).synthetic


def test_an_unknown_table_is_refused_listing_the_known_formats_without_echoing_its_header(tmp_path):
    with pytest.raises(StudyError, match="not a grid-profile format") as err:
        read_profile(_write(tmp_path, "secret_column,other\n1,2\n"))
    assert "secret_column" not in str(err.value) and "Electricity Maps" in str(err.value)
