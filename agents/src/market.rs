//! The `market` strategy: a peer-to-peer double auction between microgrids,
//! with an emergency mode that serves critical loads first.
//!
//! # Orders
//!
//! Every interval, each islanded microgrid that can reach others allocates
//! its own supply to its own demand critical-first
//! ([`crate::plan::own_position`]).
//!
//! * What it cannot cover becomes **bids**, one per class, at the class's
//!   reservation price: critical 5,000, essential 500, normal 100 credits
//!   per MWh delivered (illustrative values of the value of lost load
//!   ordering, not calibrated prices).
//! * What it has spare becomes one **ask**, offered only while the seller's
//!   energy over the planning horizon covers its own critical and essential
//!   demand (the same donor rule as the `priority` strategy), priced by
//!   scarcity: `50 * (1 + 4 * (1 - fill))` credits per MWh, `fill` being the
//!   seller's stored energy over its storage capacity (a full battery sells
//!   at 50, an empty one at 250).
//!
//! # Clearing
//!
//! * **Normal mode**: a uniform-price double auction. Bids in descending
//!   price (ties: class, then microgrid index), asks in ascending price
//!   (ties: index); matched while the bid price is at least the ask price,
//!   each match routed over the path with the fewest edges that has
//!   capacity (an unroutable pair is skipped). The price is the midpoint of
//!   the last matched bid and ask.
//! * **Emergency mode** (event severity at least 3, or any critical
//!   deficit): classes are served in order critical, essential, normal,
//!   whatever the prices. Within a class the supply is shared by **max-min
//!   fairness** (water-filling: every buyer gets the same amount until it is
//!   satisfied or the supply runs out); each buyer's share is bought from
//!   the sellers in ascending ask order. Every trade is paid at the seller's
//!   ask (cost-based compensation).
//!
//! Every trade records the energy sent and delivered (the difference is the
//! path losses) and the payment, `price * delivered`, from buyer to seller:
//! money is conserved exactly and energy up to the recorded losses.

use crate::observe::Observation;
use crate::plan::{Plan, PlanError, PlanInput, Router, Strategy, Trade, Transfer, own_position};

/// Reservation prices of bids per class (credits per MWh delivered).
pub const BID_PRICES: [f64; 3] = [5000.0, 500.0, 100.0];

/// A sell order (MW this interval).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ask {
    /// Seller microgrid.
    pub seller: usize,
    /// Power offered (MW, sent).
    pub mw: f64,
    /// Price (credits per MWh).
    pub price: f64,
}

/// A buy order (MW this interval, delivered).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bid {
    /// Buyer microgrid.
    pub buyer: usize,
    /// Priority class (0 critical, 1 essential, 2 normal).
    pub class: usize,
    /// Power wanted (MW, delivered).
    pub mw: f64,
    /// Price (credits per MWh).
    pub price: f64,
}

/// A cleared trade with its path.
#[derive(Debug, Clone, PartialEq)]
pub struct Cleared {
    /// The trade (energies for `dt_h`).
    pub trade: Trade,
    /// Path (edge indices).
    pub path: Vec<usize>,
    /// Sent power (MW).
    pub sent_mw: f64,
    /// Delivered power (MW).
    pub delivered_mw: f64,
}

/// A booked route: (path as edge indices, sent MW, delivered MW).
pub type Routed = (Vec<usize>, f64, f64);

/// Books capacity from one microgrid to another for a sent power.
pub type RouteFn<'a> = dyn FnMut(usize, usize, f64) -> Option<Routed> + 'a;

/// Clears one interval's orders (see the module docs). `route(from, to,
/// sent_mw)` books capacity and returns `(path, sent, delivered)`.
pub fn clear(
    asks: &[Ask],
    bids: &[Bid],
    emergency: bool,
    dt_h: f64,
    route: &mut RouteFn<'_>,
) -> Vec<Cleared> {
    let mut asks: Vec<Ask> = asks.iter().copied().filter(|a| a.mw > 1e-9).collect();
    asks.sort_by(|a, b| a.price.total_cmp(&b.price).then(a.seller.cmp(&b.seller)));
    let mut out = Vec::new();
    let mut buy = |a: &mut Ask,
                   b: &Bid,
                   want_delivered: f64,
                   sent_cap: f64,
                   price: Option<f64>,
                   out: &mut Vec<Cleared>|
     -> (f64, f64) {
        if a.seller == b.buyer || a.mw <= 1e-9 || want_delivered <= 1e-9 || sent_cap <= 1e-9 {
            return (0.0, 0.0);
        }
        // Ask for enough sent power to cover losses; the router caps it.
        let ask = a.mw.min(sent_cap).min(want_delivered * 1.25);
        let Some((path, sent, delivered)) = route(a.seller, b.buyer, ask) else {
            return (0.0, 0.0);
        };
        let (sent, delivered) = if delivered > want_delivered {
            (sent * want_delivered / delivered, want_delivered)
        } else {
            (sent, delivered)
        };
        a.mw -= sent;
        let p = price.unwrap_or(a.price);
        out.push(Cleared {
            trade: Trade {
                buyer: b.buyer,
                seller: a.seller,
                class: b.class,
                sent_mwh: sent * dt_h,
                delivered_mwh: delivered * dt_h,
                price: p,
                payment: p * delivered * dt_h,
            },
            path,
            sent_mw: sent,
            delivered_mw: delivered,
        });
        (sent, delivered)
    };
    if emergency {
        for class in 0..3 {
            let mut need: Vec<(Bid, f64)> = bids
                .iter()
                .filter(|b| b.class == class && b.mw > 1e-9)
                .map(|b| (*b, b.mw))
                .collect();
            need.sort_by_key(|x| x.0.buyer);
            // Water-filling in rounds: each round offers every unsatisfied
            // buyer an equal share of what the sellers still have.
            for _round in 0..64 {
                let supply: f64 = asks.iter().map(|a| a.mw).sum();
                let open: Vec<usize> = (0..need.len()).filter(|&i| need[i].1 > 1e-9).collect();
                if supply <= 1e-9 || open.is_empty() {
                    break;
                }
                // Shares are of sent power; each buyer takes at most its
                // share this round and at most what it still needs.
                let share = supply / open.len() as f64;
                let mut progress = 0.0;
                for &i in &open {
                    let mut budget = share;
                    for a in asks.iter_mut() {
                        if need[i].1 <= 1e-9 || budget <= 1e-9 {
                            break;
                        }
                        let (sent, got) = buy(a, &need[i].0, need[i].1, budget, None, &mut out);
                        budget -= sent;
                        need[i].1 -= got;
                        progress += got;
                    }
                }
                if progress <= 1e-9 {
                    break;
                }
            }
        }
        return out;
    }
    let mut bids: Vec<Bid> = bids.iter().copied().filter(|b| b.mw > 1e-9).collect();
    bids.sort_by(|a, b| {
        b.price
            .total_cmp(&a.price)
            .then(a.class.cmp(&b.class))
            .then(a.buyer.cmp(&b.buyer))
    });
    let start = out.len();
    let mut last = None;
    for b in &bids {
        let mut want = b.mw;
        for a in asks.iter_mut() {
            if want <= 1e-9 {
                break;
            }
            if a.price > b.price {
                break;
            }
            let (_, got) = buy(a, b, want, f64::INFINITY, Some(0.0), &mut out);
            if got > 0.0 {
                last = Some((b.price, a.price));
            }
            want -= got;
        }
    }
    if let Some((bp, ap)) = last {
        let price = 0.5 * (bp + ap);
        for c in &mut out[start..] {
            c.trade.price = price;
            c.trade.payment = price * c.trade.delivered_mwh;
        }
    }
    out
}

/// The market strategy (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct Market {
    /// Required energy margin of a seller over its own critical + essential
    /// horizon demand (fraction).
    pub margin: f64,
    /// Severity from which the emergency mode is on.
    pub emergency_severity: u8,
}

impl Default for Market {
    fn default() -> Self {
        Market {
            margin: 0.1,
            emergency_severity: 3,
        }
    }
}

impl Market {
    fn orders(&self, obs: &Observation, input: &PlanInput<'_>) -> (Vec<Ask>, Vec<Bid>) {
        let horizon_h: f64 = obs.periods_h.iter().sum::<f64>().max(obs.dt_h);
        let mut asks = Vec::new();
        let mut bids = Vec::new();
        for group in &input.grid.groups {
            for &m in group {
                let (d, s) = own_position(obs, m);
                for (c, &q) in d.iter().enumerate() {
                    if q > 1e-9 {
                        bids.push(Bid {
                            buyer: m,
                            class: c,
                            mw: q,
                            price: BID_PRICES[c],
                        });
                    }
                }
                let mg = &obs.microgrids[m];
                let e = &input.energy.positions[m];
                let mut need = 0.0;
                let mut ren = 0.0;
                for (k, h) in obs.periods_h.iter().enumerate() {
                    let f = mg.demand_forecast_mw.get(k).copied().unwrap_or([0.0; 3]);
                    need += (f[0] + f[1]) * h;
                    ren += mg.renewable_forecast_mw.get(k).copied().unwrap_or(0.0) * h;
                }
                let surplus_e = e.stored_mwh + e.fuel_mwh + ren - need * (1.0 + self.margin);
                if s > 1e-9 && surplus_e > 0.0 && mg.can_form_grid() {
                    let cap: f64 = mg
                        .batteries
                        .iter()
                        .map(|(_, b)| (b.soc_max - b.soc_min).max(0.0) * b.energy_mwh * b.soh)
                        .sum();
                    let fill = if cap > 0.0 {
                        (e.stored_mwh / cap).clamp(0.0, 1.0)
                    } else {
                        0.0
                    };
                    asks.push(Ask {
                        seller: m,
                        mw: s.min(surplus_e / horizon_h),
                        price: 50.0 * (1.0 + 4.0 * (1.0 - fill)),
                    });
                }
            }
        }
        (asks, bids)
    }
}

impl Strategy for Market {
    fn name(&self) -> &'static str {
        "market"
    }

    fn plan(&mut self, input: &PlanInput<'_>) -> Result<Plan, PlanError> {
        let obs = input.obs;
        let (asks, bids) = self.orders(obs, input);
        let emergency =
            input.disaster.severity >= self.emergency_severity || bids.iter().any(|b| b.class == 0);
        let mut router = Router::new(input.grid);
        let cleared = clear(&asks, &bids, emergency, obs.dt_h, &mut |f, t, p| {
            router.route(f, t, p)
        });
        let mut plan = Plan {
            strategy: "market".into(),
            confidence: 0.8,
            ..Plan::default()
        };
        for c in &cleared {
            plan.transfers.push(Transfer {
                from: c.trade.seller,
                to: c.trade.buyer,
                sent_mw: c.sent_mw,
                delivered_mw: c.delivered_mw,
                path: c.path.clone(),
                reason: format!(
                    "{} buys {:.3} MW for its {} load at {:.0} credits/MWh",
                    obs.microgrids[c.trade.buyer].name,
                    c.delivered_mw,
                    ["critical", "essential", "normal"][c.trade.class],
                    c.trade.price
                ),
            });
            plan.trades.push(c.trade.clone());
        }
        plan.rationale = format!(
            "{} mode: {} ask(s), {} bid(s), {} trade(s), {:.3} MWh delivered, {:.0} credits paid",
            if emergency { "emergency" } else { "normal" },
            asks.len(),
            bids.len(),
            cleared.len(),
            plan.trades.iter().map(|t| t.delivered_mwh).sum::<f64>(),
            plan.trades.iter().map(|t| t.payment).sum::<f64>()
        );
        Ok(plan)
    }
}
