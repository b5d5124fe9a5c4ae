//! The price colour scale: light yellow (cheap) to red-orange (dear).

/// Colour stops of the price scale: light yellow (cheap) to red-orange (dear), light
/// enough that everything drawn over it stays visible, and far from [`SITE_COLOR`](super::SITE_COLOR).
pub(super) const PRICE_STOPS: [(f64, [u8; 3]); 5] = [
    (0.0, [255, 250, 214]),
    (0.25, [254, 228, 145]),
    (0.5, [253, 190, 100]),
    (0.75, [249, 141, 72]),
    (1.0, [226, 88, 58]),
];

/// The narrowest price range the colour scale spans, EUR/MWh.
pub const MIN_PRICE_SPAN_EUR_PER_MWH: f64 = 20.0;

/// Maps a price to a colour, linearly between the lowest and highest zone price.
#[derive(Debug, Clone, Copy)]
pub struct PriceScale {
    pub min_eur_per_mwh: f64,
    pub max_eur_per_mwh: f64,
}

impl PriceScale {
    /// The scale for these zone prices: their range, widened about its middle to at
    /// least [`MIN_PRICE_SPAN_EUR_PER_MWH`] so that a few EUR of difference do not
    /// look like the whole scale (and never below zero when the prices are not).
    pub fn for_prices(prices: &[f64]) -> PriceScale {
        let lo = prices.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = prices.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !(lo.is_finite() && hi.is_finite()) {
            return PriceScale {
                min_eur_per_mwh: 0.0,
                max_eur_per_mwh: MIN_PRICE_SPAN_EUR_PER_MWH,
            };
        }
        let widen = (MIN_PRICE_SPAN_EUR_PER_MWH - (hi - lo)).max(0.0) / 2.0;
        let mut min = lo - widen;
        if lo >= 0.0 && min < 0.0 {
            min = 0.0;
        }
        PriceScale {
            min_eur_per_mwh: min,
            max_eur_per_mwh: hi.max(min + MIN_PRICE_SPAN_EUR_PER_MWH).max(hi + widen),
        }
    }

    fn t(&self, price: f64) -> f64 {
        let span = self.max_eur_per_mwh - self.min_eur_per_mwh;
        if span > 0.0 {
            ((price - self.min_eur_per_mwh) / span).clamp(0.0, 1.0)
        } else {
            0.5
        }
    }

    /// The fill colour of a zone with this price.
    pub fn color(&self, price: f64) -> [u8; 3] {
        stop_color(self.t(price))
    }
}

fn stop_color(t: f64) -> [u8; 3] {
    let i = PRICE_STOPS
        .windows(2)
        .position(|w| t <= w[1].0)
        .unwrap_or(PRICE_STOPS.len() - 2);
    let ((t0, a), (t1, b)) = (PRICE_STOPS[i], PRICE_STOPS[i + 1]);
    let u = ((t - t0) / (t1 - t0)).clamp(0.0, 1.0);
    let mix = |k: usize| (f64::from(a[k]) + u * (f64::from(b[k]) - f64::from(a[k]))).round() as u8;
    [mix(0), mix(1), mix(2)]
}
