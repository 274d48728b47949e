//! What the pane's keys do, as [`Effect`]s: Enter opens a pool's nodes, `r` describes the
//! node groups again, `s` asks for a node group's new scaling (then a confirmation).

use super::super::Level;
use super::super::effect::Effect;
use super::super::pane::PaneCx;
use super::super::prompt::{Prompt, PromptKind};
use super::super::strings::{NOTHING_SELECTED, readonly};
use super::{PoolsView, Scaling, parse_scaling, strings};
use crate::domain::pools;
use crate::model::action::Action;
use crate::sources::Request;
use crate::sources::nodegroups::EksRequest;

/// The pane's actions; `None` for the ones it leaves to the app.
pub(super) fn action(v: &PoolsView, a: Action, cx: &PaneCx<'_>) -> Option<Vec<Effect>> {
    Some(match a {
        Action::Select => select(v),
        Action::Refresh => refresh(cx),
        Action::Scale => scale(v, cx),
        _ => return None,
    })
}

/// Enter on a pool: its nodes, as a nodes table scoped by the pool's label selector.
fn select(v: &PoolsView) -> Vec<Effect> {
    let Some(pool) = v.selected() else {
        return vec![Effect::flash(NOTHING_SELECTED, Level::Warn)];
    };
    vec![Effect::OpenTable {
        kind: v.nodes.kind.clone(),
        namespace: None,
        labels: Some(pools::node_selector(pool, v.pool_label.as_deref())),
        fields: None,
        scope: Some(strings::pool_scope(&pool.name)),
    }]
}

/// `r`: describe the node groups now.
fn refresh(cx: &PaneCx<'_>) -> Vec<Effect> {
    if cx.eks.cluster.is_none() {
        return vec![Effect::flash_for(strings::NOT_EKS, Level::Warn, 8)];
    }
    vec![
        Effect::Request(Request::Eks(EksRequest::Refresh)),
        Effect::flash(strings::REFRESHING, Level::Info),
    ]
}

/// `s` on a pool: a prompt for the node group's new min/desired/max.
fn scale(v: &PoolsView, cx: &PaneCx<'_>) -> Vec<Effect> {
    if cx.readonly {
        return vec![Effect::flash_for(
            readonly(Action::Scale.name()),
            Level::Warn,
            6,
        )];
    }
    let Some(pool) = v.selected() else {
        return vec![Effect::flash(NOTHING_SELECTED, Level::Warn)];
    };
    let Some(cluster) = cx.eks.cluster.clone() else {
        return vec![Effect::flash_for(strings::NOT_EKS, Level::Warn, 8)];
    };
    let Some(eks) = &pool.eks else {
        let text = strings::no_nodegroup(&pool.name, &cluster);
        return vec![Effect::flash_for(text, Level::Warn, 8)];
    };
    let current = (eks.min_size, eks.desired_size, eks.max_size);
    let text = format!("{}/{}/{}", current.0, current.1, current.2);
    let kind = PromptKind::ScaleNodegroup {
        cluster,
        nodegroup: eks.name.clone(),
        current,
    };
    vec![Effect::Prompt(Prompt::new(kind, &text))]
}

/// Enter in the scaling prompt: validates, then asks for confirmation.
pub(crate) fn submit_scaling(
    text: &str,
    cluster: String,
    nodegroup: String,
    current: Scaling,
) -> Vec<Effect> {
    match parse_scaling(text, current) {
        Ok(new) if new == current => vec![
            Effect::ClosePrompt,
            Effect::flash(strings::scaling_unchanged(&nodegroup), Level::Info),
        ],
        Ok((min, desired, max)) => vec![
            Effect::ClosePrompt,
            Effect::Dialog(super::super::Dialog {
                title: strings::SCALE_TITLE.into(),
                message: strings::confirm_scaling(
                    &cluster,
                    &nodegroup,
                    current,
                    (min, desired, max),
                ),
                request: Request::Eks(EksRequest::Scale {
                    nodegroup,
                    min,
                    desired,
                    max,
                }),
                expect: None,
                typed: String::new(),
            }),
        ],
        Err(e) => vec![Effect::PromptError(e)],
    }
}
