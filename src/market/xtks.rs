//! XTKS: Tokyo Stock Exchange.
//!
//! TSE is closed on Japan's national holidays and for its year-end break, Dec 31 to
//! Jan 3. The holidays follow the Act on National Holidays: fixed dates, the "Happy
//! Monday" holidays, the substitute-holiday rule and the citizens'-holiday rule are
//! computed here. The equinoxes (astronomical), the 2019 imperial transition, the
//! Olympic moves of 2020 and 2021 and one system-failure halt are dated tables, each
//! entry citing its public source. TSE has no half days.

use super::definition::{Exchange, Holiday, Hours, SpecialSession};
use super::rules::{dated, hm, is_weekend, nth_weekday, ymd};
use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};

/// The midday break between the morning and afternoon sessions.
const LUNCH: Option<(NaiveTime, NaiveTime)> = Some((hm(11, 30), hm(12, 30)));

/// 09:00–11:30 and 12:30–15:00 Tokyo time. The afternoon session runs to 15:30 from
/// Tuesday 2024-11-05, the first session after the arrowhead renewal (JPX, "Extension
/// of Trading Hours", https://www.jpx.co.jp/english/equities/trading/domestic/01.html).
const HOURS: &[Hours] = &[
    Hours {
        from: ymd(2015, 1, 1),
        open: hm(9, 0),
        close: hm(15, 0),
        lunch: LUNCH,
    },
    Hours {
        from: ymd(2024, 11, 5),
        open: hm(9, 0),
        close: hm(15, 30),
        lunch: LUNCH,
    },
];

pub(super) static XTKS: Exchange = Exchange::new(
    "XTKS",
    "Tokyo Stock Exchange",
    chrono_tz::Asia::Tokyo,
    HOURS,
    (ymd(2015, 1, 1), ymd(2030, 12, 31)),
    holidays,
    specials,
);

/// Vernal and Autumnal Equinox Day: (year, day in March, day in September), before the
/// Sunday substitution. The law fixes them only as "the day of the equinox"; the
/// Cabinet Office gazettes each year's dates the February before, from the National
/// Astronomical Observatory of Japan's almanac (Cabinet Office, "National Holidays",
/// https://www8.cao.go.jp/chosei/shukujitsu/gaiyou.html). Dates from 2028 are NAOJ's
/// forecasts (https://www.nao.ac.jp/faq/a0301.html), official only once gazetted.
const EQUINOXES: &[(i32, u32, u32)] = &[
    (2015, 21, 23), // Cabinet Office / NAOJ almanac, gazetted Feb 2014
    (2016, 20, 22), // Cabinet Office / NAOJ almanac, gazetted Feb 2015
    (2017, 20, 23), // Cabinet Office / NAOJ almanac, gazetted Feb 2016
    (2018, 21, 23), // Cabinet Office / NAOJ almanac, gazetted Feb 2017
    (2019, 21, 23), // Cabinet Office / NAOJ almanac, gazetted Feb 2018
    (2020, 20, 22), // Cabinet Office / NAOJ almanac, gazetted Feb 2019
    (2021, 20, 23), // Cabinet Office / NAOJ almanac, gazetted Feb 2020
    (2022, 21, 23), // Cabinet Office / NAOJ almanac, gazetted Feb 2021
    (2023, 21, 23), // Cabinet Office / NAOJ almanac, gazetted Feb 2022
    (2024, 20, 22), // Cabinet Office / NAOJ almanac, gazetted Feb 2023
    (2025, 20, 23), // Cabinet Office / NAOJ almanac, gazetted Feb 2024
    (2026, 20, 23), // Cabinet Office / NAOJ almanac, gazetted Feb 2025
    (2027, 21, 23), // Cabinet Office / NAOJ almanac, gazetted Feb 2026
    (2028, 20, 22), // NAOJ forecast (FAQ a0301); to be gazetted Feb 2027
    (2029, 20, 23), // NAOJ forecast (FAQ a0301); to be gazetted Feb 2028
    (2030, 20, 23), // NAOJ forecast (FAQ a0301); to be gazetted Feb 2029
];

/// Marine Day, Sports Day and Mountain Day in the Olympic years, moved next to the
/// Games' opening and closing ceremonies by the Tokyo Olympics special-measures act
/// (amended in 2018 for 2020, and in 2020 for the postponed Games). In those years the
/// regular dates (2020-07-20, 08-11, 10-12; 2021-07-19, 08-11, 10-11) were trading days.
const OLYMPIC_MOVES: &[(NaiveDate, &str)] = &[
    (ymd(2020, 7, 23), "Marine Day"), // Cabinet Office, "National Holidays" 2020; JPX calendar
    (ymd(2020, 7, 24), "Sports Day"), // Cabinet Office, "National Holidays" 2020; JPX calendar
    (ymd(2020, 8, 10), "Mountain Day"), // Cabinet Office, "National Holidays" 2020; JPX calendar
    (ymd(2021, 7, 22), "Marine Day"), // Cabinet Office, "National Holidays" 2021; JPX calendar
    (ymd(2021, 7, 23), "Sports Day"), // Cabinet Office, "National Holidays" 2021; JPX calendar
    // A Sunday: the substitute rule closes Monday 2021-08-09. Cabinet Office 2021.
    (ymd(2021, 8, 8), "Mountain Day"),
];

/// The imperial transition of 2019. Act No. 99 of 2018 made Accession Day and the
/// Enthronement Ceremony Day national holidays; Apr 30 and May 2 then fell between two
/// holidays (the citizens'-holiday rule agrees), giving a ten-day Golden Week.
const ENTHRONEMENT_2019: &[(NaiveDate, &str)] = &[
    (ymd(2019, 4, 30), "Abdication Day"), // JPX news release 2018-12-21
    (ymd(2019, 5, 1), "Accession Day"),   // JPX news release 2018-12-21; Act No. 99 of 2018
    (ymd(2019, 5, 2), "National Holiday"), // JPX news release 2018-12-21
    (ymd(2019, 10, 22), "Enthronement Ceremony Day"), // JPX 2018-12-21; Act No. 99 of 2018
];

/// Whole-day halts that no rule predicts; historical only.
const AD_HOC_CLOSURES: &[(NaiveDate, &str)] = &[
    // An ad hoc outage, not a holiday: an arrowhead hardware failure stopped all equity
    // trading for the day (JPX news release 2020-10-01). Listed because the day had no
    // session, and the reference schedule counts it as a closure.
    (ymd(2020, 10, 1), "arrowhead system failure: trading halted"),
];

/// Every weekday closure of `year`, sorted by date.
fn holidays(year: i32) -> Vec<Holiday> {
    let national = national_holidays(year);
    let mut days = national.clone();
    days.extend(citizens_holidays(&national));
    days.extend(substitute_holidays(&national));
    days.extend(year_end_closures(year));
    days.extend(dated(AD_HOC_CLOSURES, year));
    weekday_closures(days)
}

/// TSE has no scheduled half days.
fn specials(_year: i32) -> Vec<SpecialSession> {
    Vec::new()
}

/// The "national holidays" proper of `year`, on their own dates (weekends included,
/// since a Sunday one has a substitute), sorted by date.
fn national_holidays(year: i32) -> Vec<Holiday> {
    let fixed = [
        (1, 1, "New Year's Day"),
        (2, 11, "National Foundation Day"),
        (4, 29, "Showa Day"),
        (5, 3, "Constitution Memorial Day"),
        (5, 4, "Greenery Day"),
        (5, 5, "Children's Day"),
        (11, 3, "Culture Day"),
        (11, 23, "Labor Thanksgiving Day"),
    ];
    let mut days: Vec<Holiday> = fixed
        .into_iter()
        .map(|(m, d, name)| Holiday::new(ymd(year, m, d), name))
        .collect();
    days.push(Holiday::new(
        nth_weekday(year, 1, Weekday::Mon, 2),
        "Coming of Age Day",
    ));
    days.push(Holiday::new(
        nth_weekday(year, 9, Weekday::Mon, 3),
        "Respect for the Aged Day",
    ));
    days.extend(emperors_birthday(year));
    days.extend(summer_and_sports_days(year));
    days.extend(equinoxes(year));
    days.extend(dated(ENTHRONEMENT_2019, year));
    days.sort_by_key(|h| h.date);
    days
}

/// The reigning Emperor's birthday: Dec 23 (Akihito) until 2018, Feb 23 (Naruhito)
/// from 2020, none in 2019 (Act No. 63 of 2017 on the abdication amended the holidays
/// act; Cabinet Office, "National Holidays").
fn emperors_birthday(year: i32) -> Option<Holiday> {
    match year {
        ..=2018 => Some(Holiday::new(ymd(year, 12, 23), "Emperor's Birthday")),
        2019 => None,
        _ => Some(Holiday::new(ymd(year, 2, 23), "Emperor's Birthday")),
    }
}

/// Marine Day (third Monday of July), Mountain Day (Aug 11, a holiday from 2016) and
/// Sports Day (second Monday of October; "Health and Sports Day" until 2019), or their
/// moved dates in an Olympic year.
fn summer_and_sports_days(year: i32) -> Vec<Holiday> {
    let moved = dated(OLYMPIC_MOVES, year);
    if !moved.is_empty() {
        return moved;
    }
    let mut days = vec![Holiday::new(
        nth_weekday(year, 7, Weekday::Mon, 3),
        "Marine Day",
    )];
    if year >= 2016 {
        days.push(Holiday::new(ymd(year, 8, 11), "Mountain Day"));
    }
    let sports = if year < 2020 {
        "Health and Sports Day"
    } else {
        "Sports Day"
    };
    days.push(Holiday::new(nth_weekday(year, 10, Weekday::Mon, 2), sports));
    days
}

/// The two equinox days of `year`, from [`EQUINOXES`] (none outside the table).
fn equinoxes(year: i32) -> Vec<Holiday> {
    EQUINOXES
        .iter()
        .filter(|(y, _, _)| *y == year)
        .flat_map(|&(y, march, september)| {
            [
                Holiday::new(ymd(y, 3, march), "Vernal Equinox Day"),
                Holiday::new(ymd(y, 9, september), "Autumnal Equinox Day"),
            ]
        })
        .collect()
}

/// Citizens' holidays: a day that is not itself a national holiday but lies between
/// two of them (2015-09-22 and 2026-09-22, between Respect for the Aged Day and the
/// autumnal equinox). `national` must be sorted.
fn citizens_holidays(national: &[Holiday]) -> Vec<Holiday> {
    national
        .windows(2)
        .filter_map(|pair| {
            let [before, after] = pair else { return None };
            let between = before.date.succ_opt()?;
            (between.succ_opt()? == after.date).then(|| Holiday::new(between, "National Holiday"))
        })
        .collect()
}

/// A national holiday on a Sunday gives a substitute holiday on the next day that is
/// not itself a national holiday (so May 3 on a Sunday moves past May 4 and 5 to May 6).
fn substitute_holidays(national: &[Holiday]) -> Vec<Holiday> {
    let is_national = |d: NaiveDate| national.iter().any(|h| h.date == d);
    national
        .iter()
        .filter(|h| h.date.weekday() == Weekday::Sun)
        .filter_map(|h| {
            let mut day = h.date.succ_opt()?;
            while is_national(day) {
                day = day.succ_opt()?;
            }
            Some(Holiday::new(day, "Substitute Holiday"))
        })
        .collect()
}

/// TSE's own year-end and new-year closure (Jan 1 is also a national holiday), per its
/// business regulations and the JPX market holidays page
/// (https://www.jpx.co.jp/english/corporate/about-jpx/calendar/).
fn year_end_closures(year: i32) -> [Holiday; 3] {
    [
        Holiday::new(ymd(year, 1, 2), "Market Holiday"),
        Holiday::new(ymd(year, 1, 3), "Market Holiday"),
        Holiday::new(ymd(year, 12, 31), "Market Holiday"),
    ]
}

/// The weekday closures, one per date (the first listed name wins), sorted by date.
fn weekday_closures(mut days: Vec<Holiday>) -> Vec<Holiday> {
    days.retain(|h| !is_weekend(h.date));
    days.sort_by_key(|h| h.date);
    days.dedup_by_key(|h| h.date);
    days
}
