//! The bench's figures: each with what it is compared to and whether it meets its target.

use std::fmt::Write as _;

pub struct Figure {
    pub name: String,
    pub value: f64,
    pub unit: &'static str,
    pub compared: Comparison,
}

pub enum Comparison {
    /// Against a floor measured in the same run; `max_ratio` is the target, if any.
    Floor { floor: f64, max_ratio: Option<f64> },
    /// Against a fixed budget (the ratio printed is value / budget).
    Budget { budget: f64 },
}

impl Figure {
    pub fn ratio(name: &str, value: f64, floor: f64, unit: &'static str, max_ratio: Option<f64>) -> Figure {
        Figure {
            name: name.into(),
            value,
            unit,
            compared: Comparison::Floor { floor, max_ratio },
        }
    }

    pub fn budget(name: &str, value: f64, unit: &'static str, budget: f64) -> Figure {
        Figure {
            name: name.into(),
            value,
            unit,
            compared: Comparison::Budget { budget },
        }
    }

    pub fn ratio_value(&self) -> f64 {
        match self.compared {
            Comparison::Floor { floor, .. } => self.value / floor.max(f64::EPSILON),
            Comparison::Budget { budget } => self.value / budget,
        }
    }

    /// `None` when there is no target to meet.
    pub fn meets(&self) -> Option<bool> {
        match self.compared {
            Comparison::Floor { max_ratio, .. } => max_ratio.map(|m| self.ratio_value() <= m),
            Comparison::Budget { .. } => Some(self.ratio_value() <= 1.0),
        }
    }

    fn against(&self) -> String {
        match self.compared {
            Comparison::Floor { floor, max_ratio } => {
                let target = max_ratio.map(|m| format!(" (target ≤ {m}×)")).unwrap_or_default();
                format!("floor {floor:.1} {}{target}", self.unit)
            }
            Comparison::Budget { budget } => format!("budget {budget} {}", self.unit),
        }
    }
}

#[derive(Default)]
pub struct Report {
    pub figures: Vec<Figure>,
}

impl Report {
    pub fn add(&mut self, f: Figure) {
        println!("{}", line(&f));
        self.figures.push(f);
    }

    pub fn markdown(&self, header: &str) -> String {
        let mut out = format!("{header}\n\n| figure | value | compared to | ratio | met |\n|---|---|---|---|---|\n");
        for f in &self.figures {
            let [name, value, against, ratio, met] = cells(f);
            let _ = writeln!(out, "| {name} | {value} | {against} | {ratio} | {met} |");
        }
        out
    }

    pub fn missed(&self) -> Vec<&Figure> {
        self.figures.iter().filter(|f| f.meets() == Some(false)).collect()
    }
}

fn verdict(f: &Figure) -> &'static str {
    match f.meets() {
        Some(true) => "yes",
        Some(false) => "NO",
        None => "–",
    }
}

/// A figure's columns, as both the console line and the Markdown table show them.
fn cells(f: &Figure) -> [String; 5] {
    [
        f.name.clone(),
        format!("{:.1} {}", f.value, f.unit),
        f.against(),
        format!("{:.2}", f.ratio_value()),
        verdict(f).to_string(),
    ]
}

fn line(f: &Figure) -> String {
    let [name, value, against, ratio, met] = cells(f);
    format!("bench: {name:<48} {value:>22} {against:<40} ratio {ratio:>5}  {met}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_and_verdicts() {
        let f = Figure::ratio("d", 30.0, 20.0, "ms", Some(1.25));
        assert_eq!(f.ratio_value(), 1.5);
        assert_eq!(f.meets(), Some(false));
        assert_eq!(Figure::ratio("l", 1.0, 2.0, "ms", None).meets(), None);
        assert_eq!(Figure::budget("c", 900.0, "ms", 2000.0).meets(), Some(true));
    }
}
