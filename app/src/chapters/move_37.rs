//! Breaking the Human Ceiling.

use leptos::prelude::*;

use crate::widgets::Chart;
use crate::widgets::plot::{Axis, LineChart, Series};

/// The illustrative curves: SFT approaches the human ceiling and stays under it; RL follows it
/// early, then keeps rising past it. Shapes only: exponential approach and a logistic rise.
type Points = Vec<(f64, f64)>;

fn curves() -> (Points, Points, Points) {
    let ceiling = 1.0;
    let xs = (0..=100).map(|i| i as f64 / 10.0);
    let sft = xs.clone().map(|t| (t, 0.95 * ceiling * (1.0 - (-0.6 * t).exp()))).collect();
    let rl = xs.clone().map(|t| (t, 1.6 / (1.0 + (-(t - 3.8) * 0.75).exp()))).collect();
    let human = vec![(0.0, ceiling), (10.0, ceiling)];
    (sft, rl, human)
}

fn blank(_: f64) -> String {
    String::new()
}

/// The body of the `move-37` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let (sft, rl, human) = curves();
    let svg = LineChart {
        x: Axis { min: 0.0, max: 10.0, log: false, format: blank },
        y: Axis { min: 0.0, max: 1.7, log: false, format: blank },
        x_label: "training time and data →".into(),
        y_label: "skill".into(),
        series: vec![
            Series {
                label: "human expert ceiling".into(),
                points: human,
                color: 3,
                markers: false,
            },
            Series {
                label: "supervised fine-tuning (imitation)".into(),
                points: sft,
                color: 1,
                markers: false,
            },
            Series {
                label: "reinforcement learning (outcomes)".into(),
                points: rl,
                color: 0,
                markers: false,
            },
        ],
        size: (720, 380),
    }
    .svg();
    view! {
        <p>
            "Supervised fine-tuning learns from examples people wrote, so the best it can do is "
            "write like the best of them. Reinforcement learning is scored on results: the game "
            "won, the proof accepted, the tests passed. Nothing in that score says “and do it the "
            "way a person would”."
        </p>
        <Chart svg=Signal::derive(move || svg.clone())
            label="Illustration: skill against training. The imitation curve rises and levels off just under the human expert ceiling; the reinforcement learning curve rises past the ceiling and keeps going."
            caption="An illustration of the idea, not measured data: the curves are drawn from simple formulas (an exponential approach and a logistic rise) to show the shape of the argument."/>
        <h2>"Move\u{a0}37"</h2>
        <p>
            "In March 2016 DeepMind's AlphaGo played Lee Sedol, one of the strongest Go players "
            "of the time. In game two, its 37th move was a shoulder hit on the fifth line, a move "
            "professional commentators first took for a mistake; AlphaGo itself estimated that a "
            "human would play it about one time in ten thousand. It turned out to be strong, and "
            "AlphaGo won the game and the match\u{a0}4–1."
        </p>
        <p>
            "AlphaGo began by imitating human games and then improved by playing itself, "
            "rewarded only for winning. Move\u{a0}37 came from the second part. Its successor AlphaGo "
            "Zero skipped human games entirely and became stronger still."
        </p>
        <div class="callout">
            <strong>"The RL advantage. "</strong>
            "Optimize the outcome, not the imitation, and the search can find strategies outside "
            "human practice. For language models this works where outcomes can be checked: "
            "mathematics and code first."
        </div>
    }
}
