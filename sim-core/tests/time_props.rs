//! Property tests of the time text format.

use proptest::prelude::*;
use sim_core::time::{SimDuration, SimTime};

proptest! {
    #[test]
    fn duration_display_parse_roundtrip(ms in any::<i64>()) {
        let d = SimDuration::from_millis(ms);
        let text = d.to_string();
        prop_assert_eq!(text.parse::<SimDuration>(), Ok(d), "{}", text);
    }

    #[test]
    fn time_display_parse_roundtrip(ms in any::<u64>()) {
        let t = SimTime::from_millis(ms);
        prop_assert_eq!(t.to_string().parse::<SimTime>(), Ok(t));
    }

    #[test]
    fn unit_sums_parse(d in 0i64..1000, h in 0i64..24, m in 0i64..60, s in 0i64..60, milli in 0i64..1000) {
        let want = SimDuration::from_days(d) + SimDuration::from_hours(h) + SimDuration::from_mins(m)
            + SimDuration::from_secs(s) + SimDuration::from_millis(milli);
        let text = format!("{d}d{h}h {m}min{s}s {milli}ms");
        prop_assert_eq!(text.parse::<SimDuration>(), Ok(want));
    }

    #[test]
    fn never_panics_on_garbage(text in "\\PC{0,24}") {
        let _ = text.parse::<SimDuration>();
        let _ = text.parse::<SimTime>();
    }
}
