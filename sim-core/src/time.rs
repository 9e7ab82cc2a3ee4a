//! Integer simulation time.
//!
//! [`SimTime`] is an instant on the simulation clock and [`SimDuration`] a
//! signed span between two instants. Both count **milliseconds** in an
//! integer (`u64` and `i64`); floats never enter the clock, so two runs
//! compare and order instants exactly.
//!
//! # Text format
//!
//! Both types print as `[-][<days>d ]HH:MM:SS[.mmm]`, e.g. `2d 03:15:00`,
//! `00:15:00`, `00:00:01.250`: days only when non-zero, milliseconds only when
//! non-zero. Parsing accepts that form and unit sums:
//!
//! | text            | meaning                  |
//! |-----------------|--------------------------|
//! | `15min`, `15m`  | 15 minutes               |
//! | `7d`            | 7 days                   |
//! | `90s`           | 90 seconds               |
//! | `1h30min`       | 1 hour 30 minutes        |
//! | `1.5h`          | 90 minutes (exact)       |
//! | `2d 03:15:00`   | 2 days 3 h 15 min        |
//! | `250ms`         | 250 milliseconds         |
//!
//! Units (case-insensitive): `ms`/`msec`/`millis`/`millisecond(s)`,
//! `s`/`sec`/`secs`/`second(s)`, `m`/`min`/`mins`/`minute(s)`,
//! `h`/`hr`/`hrs`/`hour(s)`, `d`/`day(s)`, `w`/`wk`/`week(s)`. Components may
//! be separated by spaces; a clock part `H:MM[:SS[.fff]]` may close the text.
//! A decimal fraction is allowed if the result is a whole number of
//! milliseconds (`1.5s` is fine, `1.0001s` is an error). A bare `0` is zero.
//! A leading `-` negates a [`SimDuration`]; [`SimTime`] rejects it.

use std::fmt;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

const MS_PER_SEC: i64 = 1_000;
const MS_PER_MIN: i64 = 60 * MS_PER_SEC;
const MS_PER_HOUR: i64 = 60 * MS_PER_MIN;
const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;
const MS_PER_WEEK: i64 = 7 * MS_PER_DAY;

/// An instant on the simulation clock: milliseconds since the start of the
/// simulation (`SimTime::ZERO`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(u64);

/// A signed span of simulation time in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(i64);

/// Why a time or duration text could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ParseTimeError {
    /// The text was empty or only whitespace.
    #[error("empty time text")]
    Empty,
    /// A number was expected at the given byte offset.
    #[error("expected a number at byte {pos} in {text:?}")]
    ExpectedNumber {
        /// The whole input.
        text: String,
        /// Byte offset of the problem.
        pos: usize,
    },
    /// A number was not followed by a known unit.
    #[error("unknown or missing unit {unit:?} in {text:?} (use ms, s, min, h, d or w)")]
    UnknownUnit {
        /// The whole input.
        text: String,
        /// The unit found (may be empty).
        unit: String,
    },
    /// A clock part `H:MM:SS` was malformed (minutes or seconds >= 60, ...).
    #[error("malformed clock part in {text:?}: {reason}")]
    BadClock {
        /// The whole input.
        text: String,
        /// What was wrong.
        reason: &'static str,
    },
    /// The value is not a whole number of milliseconds.
    #[error("{text:?} is not a whole number of milliseconds")]
    SubMillisecond {
        /// The whole input.
        text: String,
    },
    /// The value does not fit the integer range.
    #[error("{text:?} is out of range")]
    Overflow {
        /// The whole input.
        text: String,
    },
    /// A negative value was given where only non-negative ones are allowed.
    #[error("{text:?} is negative; a simulation time must be >= 0")]
    Negative {
        /// The whole input.
        text: String,
    },
}

impl SimTime {
    /// The start of the simulation.
    pub const ZERO: SimTime = SimTime(0);
    /// The largest representable instant.
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// An instant `ms` milliseconds after the start.
    #[inline]
    pub const fn from_millis(ms: u64) -> Self {
        SimTime(ms)
    }

    /// An instant `s` seconds after the start (saturating at [`SimTime::MAX`]).
    #[inline]
    pub const fn from_secs(s: u64) -> Self {
        SimTime(s.saturating_mul(MS_PER_SEC as u64))
    }

    /// Milliseconds since the start.
    #[inline]
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Seconds since the start as a float (for physics and plots; never use
    /// it to order events).
    #[inline]
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1_000.0
    }

    /// Time since the start as a duration, or `None` past `i64::MAX` ms.
    #[inline]
    pub fn since_start(self) -> Option<SimDuration> {
        i64::try_from(self.0).ok().map(SimDuration)
    }

    /// `self + d`, or `None` if the result would be negative or overflow.
    #[inline]
    pub const fn checked_add(self, d: SimDuration) -> Option<SimTime> {
        match self.0.checked_add_signed(d.0) {
            Some(v) => Some(SimTime(v)),
            None => None,
        }
    }

    /// `self - d`, or `None` if the result would be negative or overflow.
    #[inline]
    pub const fn checked_sub(self, d: SimDuration) -> Option<SimTime> {
        match d.0.checked_neg() {
            Some(n) => self.checked_add(SimDuration(n)),
            None => None,
        }
    }

    /// `self + d`, clamped to `[ZERO, MAX]`.
    #[inline]
    pub const fn saturating_add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add_signed(d.0))
    }

    /// The signed span `self - earlier`, or `None` if it does not fit `i64`.
    #[inline]
    pub fn checked_duration_since(self, earlier: SimTime) -> Option<SimDuration> {
        let diff = i128::from(self.0) - i128::from(earlier.0);
        i64::try_from(diff).ok().map(SimDuration)
    }
}

impl SimDuration {
    /// No time.
    pub const ZERO: SimDuration = SimDuration(0);
    /// The largest representable duration.
    pub const MAX: SimDuration = SimDuration(i64::MAX);
    /// The most negative representable duration.
    pub const MIN: SimDuration = SimDuration(i64::MIN);
    /// One millisecond.
    pub const MILLISECOND: SimDuration = SimDuration(1);
    /// One second.
    pub const SECOND: SimDuration = SimDuration(MS_PER_SEC);
    /// One minute.
    pub const MINUTE: SimDuration = SimDuration(MS_PER_MIN);
    /// One hour.
    pub const HOUR: SimDuration = SimDuration(MS_PER_HOUR);
    /// One day (24 h; the simulation clock has no calendar).
    pub const DAY: SimDuration = SimDuration(MS_PER_DAY);

    /// `ms` milliseconds.
    #[inline]
    pub const fn from_millis(ms: i64) -> Self {
        SimDuration(ms)
    }

    /// `s` seconds (saturating at the `i64` range).
    #[inline]
    pub const fn from_secs(s: i64) -> Self {
        SimDuration(s.saturating_mul(MS_PER_SEC))
    }

    /// `m` minutes (saturating at the `i64` range).
    #[inline]
    pub const fn from_mins(m: i64) -> Self {
        SimDuration(m.saturating_mul(MS_PER_MIN))
    }

    /// `h` hours (saturating at the `i64` range).
    #[inline]
    pub const fn from_hours(h: i64) -> Self {
        SimDuration(h.saturating_mul(MS_PER_HOUR))
    }

    /// `d` days of 24 h (saturating at the `i64` range).
    #[inline]
    pub const fn from_days(d: i64) -> Self {
        SimDuration(d.saturating_mul(MS_PER_DAY))
    }

    /// The span in milliseconds.
    #[inline]
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// The span in seconds as a float (for physics, e.g. integrating a
    /// battery's state of charge over a control interval).
    #[inline]
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1_000.0
    }

    /// The span in hours as a float.
    #[inline]
    pub fn as_hours_f64(self) -> f64 {
        self.0 as f64 / MS_PER_HOUR as f64
    }

    /// Whether the span is negative.
    #[inline]
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Whether the span is zero.
    #[inline]
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// `self + other`, or `None` on overflow.
    #[inline]
    pub const fn checked_add(self, other: SimDuration) -> Option<SimDuration> {
        match self.0.checked_add(other.0) {
            Some(v) => Some(SimDuration(v)),
            None => None,
        }
    }

    /// `self - other`, or `None` on overflow.
    #[inline]
    pub const fn checked_sub(self, other: SimDuration) -> Option<SimDuration> {
        match self.0.checked_sub(other.0) {
            Some(v) => Some(SimDuration(v)),
            None => None,
        }
    }

    /// `self * k`, or `None` on overflow.
    #[inline]
    pub const fn checked_mul(self, k: i64) -> Option<SimDuration> {
        match self.0.checked_mul(k) {
            Some(v) => Some(SimDuration(v)),
            None => None,
        }
    }

    /// The absolute value (saturating at `i64::MAX` ms).
    #[inline]
    pub const fn abs(self) -> SimDuration {
        SimDuration(self.0.saturating_abs())
    }
}

// ---------------------------------------------------------------------------
// Arithmetic. The operators panic on overflow, like `std::time`; the
// `checked_*` methods are the non-panicking variants, and the kernel uses
// only those.
// ---------------------------------------------------------------------------

// Operators panic on overflow like the integer operators; code that
// handles user input uses the checked_* methods.
#[allow(clippy::expect_used)]
impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    /// # Panics
    /// If the result is negative or exceeds [`SimTime::MAX`].
    #[inline]
    fn add(self, d: SimDuration) -> SimTime {
        self.checked_add(d)
            .expect("SimTime + SimDuration out of range")
    }
}

// Operators panic on overflow like the integer operators; code that
// handles user input uses the checked_* methods.
#[allow(clippy::expect_used)]
impl AddAssign<SimDuration> for SimTime {
    #[inline]
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}

// Operators panic on overflow like the integer operators; code that
// handles user input uses the checked_* methods.
#[allow(clippy::expect_used)]
impl Sub<SimDuration> for SimTime {
    type Output = SimTime;
    /// # Panics
    /// If the result is negative or exceeds [`SimTime::MAX`].
    #[inline]
    fn sub(self, d: SimDuration) -> SimTime {
        self.checked_sub(d)
            .expect("SimTime - SimDuration out of range")
    }
}

// Operators panic on overflow like the integer operators; code that
// handles user input uses the checked_* methods.
#[allow(clippy::expect_used)]
impl SubAssign<SimDuration> for SimTime {
    #[inline]
    fn sub_assign(&mut self, d: SimDuration) {
        *self = *self - d;
    }
}

// Operators panic on overflow like the integer operators; code that
// handles user input uses the checked_* methods.
#[allow(clippy::expect_used)]
impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    /// # Panics
    /// If the span does not fit `i64` milliseconds (about 292 million years).
    #[inline]
    fn sub(self, earlier: SimTime) -> SimDuration {
        self.checked_duration_since(earlier)
            .expect("SimTime - SimTime out of range")
    }
}

// Operators panic on overflow like the integer operators; code that
// handles user input uses the checked_* methods.
#[allow(clippy::expect_used)]
impl Add for SimDuration {
    type Output = SimDuration;
    /// # Panics
    /// On `i64` overflow.
    #[inline]
    fn add(self, o: SimDuration) -> SimDuration {
        self.checked_add(o).expect("SimDuration overflow")
    }
}

// Operators panic on overflow like the integer operators; code that
// handles user input uses the checked_* methods.
#[allow(clippy::expect_used)]
impl AddAssign for SimDuration {
    #[inline]
    fn add_assign(&mut self, o: SimDuration) {
        *self = *self + o;
    }
}

// Operators panic on overflow like the integer operators; code that
// handles user input uses the checked_* methods.
#[allow(clippy::expect_used)]
impl Sub for SimDuration {
    type Output = SimDuration;
    /// # Panics
    /// On `i64` overflow.
    #[inline]
    fn sub(self, o: SimDuration) -> SimDuration {
        self.checked_sub(o).expect("SimDuration overflow")
    }
}

// Operators panic on overflow like the integer operators; code that
// handles user input uses the checked_* methods.
#[allow(clippy::expect_used)]
impl SubAssign for SimDuration {
    #[inline]
    fn sub_assign(&mut self, o: SimDuration) {
        *self = *self - o;
    }
}

// Operators panic on overflow like the integer operators; code that
// handles user input uses the checked_* methods.
#[allow(clippy::expect_used)]
impl Neg for SimDuration {
    type Output = SimDuration;
    /// # Panics
    /// For [`SimDuration::MIN`].
    #[inline]
    fn neg(self) -> SimDuration {
        SimDuration(self.0.checked_neg().expect("SimDuration overflow"))
    }
}

// Operators panic on overflow like the integer operators; code that
// handles user input uses the checked_* methods.
#[allow(clippy::expect_used)]
impl std::ops::Mul<i64> for SimDuration {
    type Output = SimDuration;
    /// # Panics
    /// On `i64` overflow.
    #[inline]
    fn mul(self, k: i64) -> SimDuration {
        self.checked_mul(k).expect("SimDuration overflow")
    }
}

// ---------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------

fn fmt_ms(f: &mut fmt::Formatter<'_>, negative: bool, ms: u64) -> fmt::Result {
    let day = MS_PER_DAY as u64;
    let days = ms / day;
    let rem = ms % day;
    let h = rem / MS_PER_HOUR as u64;
    let m = (rem / MS_PER_MIN as u64) % 60;
    let s = (rem / MS_PER_SEC as u64) % 60;
    let milli = rem % MS_PER_SEC as u64;
    if negative {
        f.write_str("-")?;
    }
    if days > 0 {
        write!(f, "{days}d ")?;
    }
    write!(f, "{h:02}:{m:02}:{s:02}")?;
    if milli > 0 {
        write!(f, ".{milli:03}")?;
    }
    Ok(())
}

impl fmt::Display for SimTime {
    /// Formats as `[<days>d ]HH:MM:SS[.mmm]`, e.g. `2d 03:15:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_ms(f, false, self.0)
    }
}

impl fmt::Display for SimDuration {
    /// Formats as `[-][<days>d ]HH:MM:SS[.mmm]`, e.g. `2d 03:15:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_ms(f, self.0 < 0, self.0.unsigned_abs())
    }
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

fn unit_ms(unit: &str) -> Option<i128> {
    let u = unit.to_ascii_lowercase();
    let v = match u.as_str() {
        "ms" | "msec" | "msecs" | "millis" | "millisecond" | "milliseconds" => 1,
        "s" | "sec" | "secs" | "second" | "seconds" => MS_PER_SEC,
        "m" | "min" | "mins" | "minute" | "minutes" => MS_PER_MIN,
        "h" | "hr" | "hrs" | "hour" | "hours" => MS_PER_HOUR,
        "d" | "day" | "days" => MS_PER_DAY,
        "w" | "wk" | "wks" | "week" | "weeks" => MS_PER_WEEK,
        _ => return None,
    };
    Some(i128::from(v))
}

/// Parses the unsigned part; returns milliseconds as `i128` (range checked
/// by the caller).
fn parse_magnitude(text: &str, body: &str, offset: usize) -> Result<i128, ParseTimeError> {
    let bytes = body.as_bytes();
    let mut i = 0usize;
    let mut total: i128 = 0;
    let mut any = false;
    let overflow = || ParseTimeError::Overflow {
        text: text.to_owned(),
    };
    let limit: i128 = 1_i128 << 100;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i == bytes.len() {
            break;
        }
        // integer part
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return Err(ParseTimeError::ExpectedNumber {
                text: text.to_owned(),
                pos: offset + start,
            });
        }
        let int_part = &body[start..i];
        if i < bytes.len() && bytes[i] == b':' {
            // clock part H:MM[:SS[.fff]] closes the text
            let clock = body[start..].trim_end();
            total = total
                .checked_add(parse_clock(text, clock)?)
                .ok_or_else(overflow)?;
            any = true;
            break;
        }
        let mut frac_part = "";
        if i < bytes.len() && bytes[i] == b'.' {
            i += 1;
            let fs = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            frac_part = &body[fs..i];
        }
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let us = i;
        while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = &body[us..i];
        let mult = if unit.is_empty() {
            // A bare zero is allowed; any other bare number is ambiguous.
            let zero = int_part.bytes().all(|b| b == b'0') && frac_part.bytes().all(|b| b == b'0');
            if zero && i == bytes.len() && !any {
                return Ok(0);
            }
            return Err(ParseTimeError::UnknownUnit {
                text: text.to_owned(),
                unit: String::new(),
            });
        } else {
            unit_ms(unit).ok_or_else(|| ParseTimeError::UnknownUnit {
                text: text.to_owned(),
                unit: unit.to_owned(),
            })?
        };
        let int_v: i128 = if int_part.len() > 30 {
            return Err(overflow());
        } else {
            int_part.parse::<i128>().map_err(|_| overflow())?
        };
        let mut ms = int_v.checked_mul(mult).ok_or_else(overflow)?;
        if !frac_part.is_empty() {
            let digits = frac_part.trim_end_matches('0');
            if digits.len() > 18 {
                return Err(ParseTimeError::SubMillisecond {
                    text: text.to_owned(),
                });
            }
            if !digits.is_empty() {
                let num: i128 = digits.parse::<i128>().map_err(|_| overflow())?;
                let den: i128 = 10_i128.pow(digits.len() as u32);
                let scaled = num.checked_mul(mult).ok_or_else(overflow)?;
                if scaled % den != 0 {
                    return Err(ParseTimeError::SubMillisecond {
                        text: text.to_owned(),
                    });
                }
                ms = ms.checked_add(scaled / den).ok_or_else(overflow)?;
            }
        }
        total = total.checked_add(ms).ok_or_else(overflow)?;
        if total > limit {
            return Err(overflow());
        }
        any = true;
    }
    if !any {
        return Err(ParseTimeError::Empty);
    }
    Ok(total)
}

fn parse_clock(text: &str, clock: &str) -> Result<i128, ParseTimeError> {
    let bad = |reason| ParseTimeError::BadClock {
        text: text.to_owned(),
        reason,
    };
    let parts: Vec<&str> = clock.split(':').collect();
    if parts.len() < 2 || parts.len() > 3 {
        return Err(bad("expected H:MM or H:MM:SS"));
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(parts[0]) || parts[0].len() > 12 {
        return Err(bad("hours must be digits"));
    }
    let h: i128 = parts[0].parse().map_err(|_| bad("hours must be digits"))?;
    if parts[1].len() != 2 || !digits(parts[1]) {
        return Err(bad("minutes must be two digits"));
    }
    let m: i128 = parts[1]
        .parse()
        .map_err(|_| bad("minutes must be two digits"))?;
    if m >= 60 {
        return Err(bad("minutes must be < 60"));
    }
    let mut ms = h * i128::from(MS_PER_HOUR) + m * i128::from(MS_PER_MIN);
    if let Some(sec) = parts.get(2) {
        let (whole, frac) = match sec.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (*sec, None),
        };
        if whole.len() != 2 || !digits(whole) {
            return Err(bad("seconds must be two digits"));
        }
        let s: i128 = whole
            .parse()
            .map_err(|_| bad("seconds must be two digits"))?;
        if s >= 60 {
            return Err(bad("seconds must be < 60"));
        }
        ms += s * i128::from(MS_PER_SEC);
        if let Some(f) = frac {
            if !digits(f) {
                return Err(bad("fraction of a second must be digits"));
            }
            let f = f.trim_end_matches('0');
            if f.len() > 3 {
                return Err(ParseTimeError::SubMillisecond {
                    text: text.to_owned(),
                });
            }
            if !f.is_empty() {
                let v: i128 = f
                    .parse()
                    .map_err(|_| bad("fraction of a second must be digits"))?;
                ms += v * 10_i128.pow(3 - f.len() as u32);
            }
        }
    }
    Ok(ms)
}

fn parse_signed(text: &str) -> Result<(bool, i128), ParseTimeError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ParseTimeError::Empty);
    }
    let offset = text.len() - text.trim_start().len();
    let (neg, body, off) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest, offset + 1),
        None => match trimmed.strip_prefix('+') {
            Some(rest) => (false, rest, offset + 1),
            None => (false, trimmed, offset),
        },
    };
    let mag = parse_magnitude(text, body, off)?;
    Ok((neg, mag))
}

impl FromStr for SimDuration {
    type Err = ParseTimeError;

    /// Parses `15min`, `7d`, `90s`, `1h30min`, `2d 03:15:00`, `-5s`, ...
    /// (see the [module docs](self)).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (neg, mag) = parse_signed(s)?;
        let v = if neg { -mag } else { mag };
        i64::try_from(v)
            .map(SimDuration)
            .map_err(|_| ParseTimeError::Overflow { text: s.to_owned() })
    }
}

impl FromStr for SimTime {
    type Err = ParseTimeError;

    /// Parses the same forms as [`SimDuration`], measured from the start;
    /// negative values are rejected.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (neg, mag) = parse_signed(s)?;
        if neg && mag != 0 {
            return Err(ParseTimeError::Negative { text: s.to_owned() });
        }
        u64::try_from(mag)
            .map(SimTime)
            .map_err(|_| ParseTimeError::Overflow { text: s.to_owned() })
    }
}

// ---------------------------------------------------------------------------
// serde: written as the display text; read from text or an integer count of
// milliseconds.
// ---------------------------------------------------------------------------

impl Serialize for SimTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Serialize for SimDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

struct TimeVisitor<T>(std::marker::PhantomData<T>);

impl<T> Visitor<'_> for TimeVisitor<T>
where
    T: FromStr<Err = ParseTimeError> + TryFromMillis,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a duration text such as \"15min\" or an integer number of milliseconds")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::try_from_millis(i128::from(v)).ok_or_else(|| E::custom("milliseconds out of range"))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::try_from_millis(i128::from(v)).ok_or_else(|| E::custom("milliseconds out of range"))
    }
}

trait TryFromMillis: Sized {
    fn try_from_millis(ms: i128) -> Option<Self>;
}

impl TryFromMillis for SimTime {
    fn try_from_millis(ms: i128) -> Option<Self> {
        u64::try_from(ms).ok().map(SimTime)
    }
}

impl TryFromMillis for SimDuration {
    fn try_from_millis(ms: i128) -> Option<Self> {
        i64::try_from(ms).ok().map(SimDuration)
    }
}

impl<'de> Deserialize<'de> for SimTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TimeVisitor(std::marker::PhantomData))
    }
}

impl<'de> Deserialize<'de> for SimDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TimeVisitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> SimDuration {
        s.parse().expect("parse")
    }

    #[test]
    fn parse_examples() {
        assert_eq!(d("15min"), SimDuration::from_mins(15));
        assert_eq!(d("15m"), SimDuration::from_mins(15));
        assert_eq!(d("7d"), SimDuration::from_days(7));
        assert_eq!(d("90s"), SimDuration::from_secs(90));
        assert_eq!(d("1h30min"), SimDuration::from_mins(90));
        assert_eq!(d("1h 30min"), SimDuration::from_mins(90));
        assert_eq!(
            d("2d 03:15:00"),
            SimDuration::from_millis(2 * MS_PER_DAY + 3 * MS_PER_HOUR + 15 * MS_PER_MIN)
        );
        assert_eq!(d("03:15"), SimDuration::from_mins(195));
        assert_eq!(d("00:00:01.25"), SimDuration::from_millis(1250));
        assert_eq!(d("1.5h"), SimDuration::from_mins(90));
        assert_eq!(d("250ms"), SimDuration::from_millis(250));
        assert_eq!(d("2 weeks"), SimDuration::from_days(14));
        assert_eq!(d("-5s"), SimDuration::from_secs(-5));
        assert_eq!(d("0"), SimDuration::ZERO);
        assert_eq!(d(" 1H "), SimDuration::from_hours(1));
    }

    #[test]
    fn parse_errors() {
        for bad in [
            "",
            "  ",
            "15",
            "15 parsecs",
            "1.0001s",
            "1:60",
            "1:00:61",
            "h",
            "1h 2",
            "1:2",
            "--1s",
            "99999999999999999999999999999999d",
            "1e3s",
        ] {
            assert!(bad.parse::<SimDuration>().is_err(), "{bad:?} should fail");
        }
        assert!(matches!(
            "-1s".parse::<SimTime>(),
            Err(ParseTimeError::Negative { .. })
        ));
        assert!("200000000000000d".parse::<SimDuration>().is_err());
    }

    #[test]
    fn display_examples() {
        let t = SimDuration::from_millis(2 * MS_PER_DAY + 3 * MS_PER_HOUR + 15 * MS_PER_MIN);
        assert_eq!(t.to_string(), "2d 03:15:00");
        assert_eq!(SimDuration::from_mins(15).to_string(), "00:15:00");
        assert_eq!(SimDuration::from_millis(1250).to_string(), "00:00:01.250");
        assert_eq!(SimDuration::from_secs(-5).to_string(), "-00:00:05");
        assert_eq!(
            SimTime::from_millis(90_061_001).to_string(),
            "1d 01:01:01.001"
        );
        assert_eq!(
            SimDuration::MIN.to_string().parse::<SimDuration>(),
            Ok(SimDuration::MIN)
        );
        assert_eq!(
            SimTime::MAX.to_string().parse::<SimTime>(),
            Ok(SimTime::MAX)
        );
    }

    #[test]
    fn arithmetic() {
        let t = SimTime::from_secs(10);
        assert_eq!(t + SimDuration::from_secs(5), SimTime::from_secs(15));
        assert_eq!(t - SimTime::from_secs(15), SimDuration::from_secs(-5));
        assert_eq!(t.checked_add(SimDuration::from_secs(-11)), None);
        assert_eq!(SimTime::MAX.checked_add(SimDuration::MILLISECOND), None);
        assert_eq!(t.checked_sub(SimDuration::MIN), None);
        assert_eq!(SimDuration::from_hours(2).as_hours_f64(), 2.0);
    }

    #[test]
    fn serde_roundtrip() {
        let v = serde_json::to_string(&SimDuration::from_mins(15)).expect("ser");
        assert_eq!(v, "\"00:15:00\"");
        let back: SimDuration = serde_json::from_str(&v).expect("de");
        assert_eq!(back, SimDuration::from_mins(15));
        let ms: SimDuration = serde_json::from_str("900000").expect("de int");
        assert_eq!(ms, SimDuration::from_mins(15));
        let t: SimTime = serde_json::from_str("\"7d\"").expect("de");
        assert_eq!(t, SimTime::from_millis(7 * MS_PER_DAY as u64));
        assert!(serde_json::from_str::<SimTime>("-1").is_err());
    }
}
