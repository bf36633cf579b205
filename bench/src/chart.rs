//! The PNG chart of RESULTS.md: p50 and p99 latency against clients for
//! pgbench's two scripts (prepared mode), one line per target.

use crate::results::{Results, CLUSTER, LITEGRES, POSTGRES, SQLITE};
use anyhow::{anyhow, Context, Result};
use plotters::prelude::*;
use std::path::Path;

const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

fn register_font() -> Result<()> {
    let bytes = std::fs::read(FONT).with_context(|| format!("{FONT} is missing: install Debian's fonts-dejavu-core"))?;
    // plotters keeps the font for the life of the program.
    let leaked: &'static [u8] = Box::leak(bytes.into_boxed_slice());
    plotters::style::register_font("sans-serif", FontStyle::Normal, leaked).map_err(|_| anyhow!("{FONT} is not a font plotters can read"))
}

pub fn draw(r: &Results, clients: &[u32], path: &Path) -> Result<()> {
    register_font()?;
    let root = BitMapBackend::new(path, (1400, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
    let panels = root.split_evenly((1, 2));
    let targets = [(POSTGRES, BLUE), (LITEGRES, RED), (CLUSTER, MAGENTA), (SQLITE, GREEN)];
    let max_clients = clients.iter().copied().max().unwrap_or(1).max(2);
    for (panel, workload) in panels.iter().zip(["pgbench select-only", "pgbench TPC-B"]) {
        let series: Vec<(&str, RGBColor, Vec<(u32, f64, f64)>)> = targets
            .iter()
            .map(|(t, color)| {
                let points = clients
                    .iter()
                    .filter_map(|c| r.find(workload, "prepared", *c, t).and_then(|m| Some((*c, m.p50_us? / 1000.0, m.p99_us? / 1000.0))))
                    .collect();
                (*t, *color, points)
            })
            .collect();
        let all: Vec<f64> = series.iter().flat_map(|(_, _, p)| p.iter().flat_map(|(_, a, b)| [*a, *b])).filter(|v| *v > 0.0).collect();
        let lo = all.iter().copied().fold(f64::INFINITY, f64::min).min(1.0) / 1.5;
        let hi = all.iter().copied().fold(0.0, f64::max).max(lo * 10.0) * 1.5;
        let mut chart = ChartBuilder::on(panel)
            .caption(format!("{workload} (prepared): latency against clients"), ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d((1u32..max_clients).log_scale(), (lo..hi).log_scale())
            .map_err(|e| anyhow!("{e}"))?;
        chart
            .configure_mesh()
            .x_desc("clients")
            .y_desc("latency, ms (solid p50, dashed p99)")
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(|e| anyhow!("{e}"))?;
        for (name, color, points) in series.into_iter().filter(|s| !s.2.is_empty()) {
            chart
                .draw_series(LineSeries::new(points.iter().map(|(c, p50, _)| (*c, *p50)), color.stroke_width(2)))
                .map_err(|e| anyhow!("{e}"))?
                .label(name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
            chart.draw_series(points.iter().map(|(c, p50, _)| Circle::new((*c, *p50), 4, color.filled()))).map_err(|e| anyhow!("{e}"))?;
            chart.draw_series(DashedLineSeries::new(points.iter().map(|(c, _, p99)| (*c, *p99)), 6, 4, color.stroke_width(1))).map_err(|e| anyhow!("{e}"))?;
        }
        chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).label_font(("sans-serif", 14)).draw().map_err(|e| anyhow!("{e}"))?;
    }
    root.present().map_err(|e| anyhow!("{e}"))?;
    Ok(())
}
