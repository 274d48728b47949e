use super::*;
use crate::domain::dashboard::model::PanelKind;
use crate::domain::dashboard::units::Unit;

#[test]
fn minimal_dashboard_and_errors() {
    let i = import(
        r#"{"title":"X","time":{"from":"now-6h","to":"now"},"panels":[
            {"type":"piechart","title":"Share","gridPos":{"x":0,"y":0,"w":24,"h":2}},
            {"type":"graph","title":"Up","gridPos":{"x":0,"y":2,"w":30,"h":8},
             "targets":[{"expr":"up","legendFormat":"{{job}}","refId":"A"}],
             "yaxes":[{"format":"percentunit"}]}]}"#,
    )
    .unwrap();
    assert_eq!(i.dashboard.range, "6h");
    assert_eq!(i.dashboard.panels.len(), 2);
    let p = &i.dashboard.panels[1];
    assert_eq!(
        (p.kind, p.unit, p.grid.w),
        (PanelKind::Timeseries, Unit::PercentUnit, 24)
    );
    assert_eq!(i.dashboard.panels[0].kind, PanelKind::Unsupported);
    assert_eq!(i.skipped[0].kind, "piechart");
    assert_eq!(i.skipped[0].reason, "not drawable in a terminal: piechart");

    assert_eq!(import("{\n\"title\": }").unwrap_err().line, 2);
    assert!(
        import(r#"{"title":"x"}"#)
            .unwrap_err()
            .message
            .contains("panels")
    );
}

#[test]
fn rows_variables_and_legacy_field_options() {
    let i = import(
        r##"{"title":"N","panels":[
          {"type":"row","title":"CPU","collapsed":true,"gridPos":{"x":0,"y":0,"w":24,"h":1},
           "panels":[{"type":"bargauge","title":"Used","gridPos":{"x":0,"y":1,"w":12,"h":4},
             "options":{"fieldOptions":{"calcs":["mean"],"defaults":{"unit":"percentunit","min":0,"max":1}}},
             "targets":[{"expr":"x","refId":"A"}]}]},
          {"type":"row","title":"Memory","collapsed":false,"repeat":"node","gridPos":{"x":0,"y":1,"w":24,"h":1},"panels":[]},
          {"type":"text","title":"Read me","options":{"content":"# Hi"},"gridPos":{"x":0,"y":2,"w":24,"h":2}}
        ],
        "templating":{"list":[
          {"name":"job","type":"query","query":{"query":"label_values(up, job)"},"regex":"/(.*)/","sort":1,"multi":true,
           "includeAll":true,"allValue":".+","current":{"value":["a","b"]}},
          {"name":"iv","type":"interval","query":"1m,10m","auto":true,"auto_count":20,"auto_min":"30s",
           "current":{"value":"$__auto_interval_iv"}},
          {"name":"ds","type":"datasource","query":"prometheus"},
          {"name":"c","type":"custom","query":"x : 1,y : 2"}
        ]}}"##,
    )
    .unwrap();
    let d = &i.dashboard;
    assert_eq!(d.rows.len(), 2);
    assert!(d.rows[0].collapsed);
    assert_eq!(d.rows[1].repeat.as_deref(), Some("node"));
    let used = &d.panels[0];
    assert_eq!(used.options.row, Some(0));
    assert_eq!(
        (used.unit, used.min, used.max),
        (Unit::PercentUnit, Some(0.0), Some(1.0))
    );
    assert_eq!(
        used.options.reduce,
        crate::domain::dashboard::field::Calc::Mean
    );
    assert_eq!(d.panels[1].kind, PanelKind::Text);
    assert_eq!(d.panels[1].options.row, Some(1));
    assert_eq!(d.panels[1].options.text, "# Hi");
    let job = &d.variables[0];
    assert_eq!(job.query.as_deref(), Some("label_values(up, job)"));
    assert_eq!(
        (job.multi, job.sort, job.all_value.as_deref()),
        (true, 1, Some(".+"))
    );
    assert_eq!(job.defaults, vec!["a", "b"]);
    let iv = &d.variables[1];
    assert_eq!(iv.values, vec!["auto", "1m", "10m"]);
    assert_eq!(iv.default.as_deref(), Some("auto"));
    assert_eq!(iv.auto_count, Some(20));
    assert_eq!(d.variables[2].values, vec!["Prometheus"]);
    assert_eq!(d.variables[3].values, vec!["1", "2"]);
}

#[test]
fn legacy_rows_layout_is_converted() {
    let i = import(
        r#"{"title":"old","rows":[{"title":"A","showTitle":true,"height":"300px","panels":[
            {"type":"graph","title":"g","span":6,"targets":[{"expr":"up"}]},
            {"type":"singlestat","title":"s","span":6,"targets":[{"expr":"up"}],"format":"bytes",
             "valueMaps":[{"value":"1","op":"=","text":"UP"}]}]}]}"#,
    )
    .unwrap();
    let d = &i.dashboard;
    assert_eq!(d.rows.len(), 1);
    assert_eq!(
        (d.panels[0].grid.w, d.panels[1].grid.x, d.panels[1].grid.h),
        (12, 12, 10)
    );
    assert_eq!(d.panels[1].options.mappings.len(), 1);
}
