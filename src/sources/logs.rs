//! Pod log streaming (`Api::<Pod>::log_stream` with follow), in batches of lines.

use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, LogParams};

use super::{LogRequest, SourceEvent};

const BATCH: usize = 512;

pub async fn run(client: kube::Client, req: LogRequest, tx: super::Sender) {
    let api: Api<Pod> = Api::namespaced(client, &req.namespace);
    let params = LogParams {
        container: Some(req.container.clone()),
        follow: !req.previous,
        previous: req.previous,
        timestamps: true,
        tail_lines: Some(req.tail),
        ..Default::default()
    };
    let reader = match api.log_stream(&req.pod, &params).await {
        Ok(r) => r,
        Err(e) => {
            let _ = tx.send(SourceEvent::LogEnded {
                id: req.id,
                error: Some(super::error_chain(&e)),
            });
            return;
        }
    };
    let mut lines = reader.lines().ready_chunks(BATCH);
    while let Some(chunk) = lines.next().await {
        let mut batch = Vec::with_capacity(chunk.len());
        for line in chunk {
            match line {
                Ok(l) => batch.push(l),
                Err(e) => {
                    if !batch.is_empty() {
                        let _ = tx.send(SourceEvent::LogLines {
                            id: req.id,
                            lines: batch,
                        });
                    }
                    let _ = tx.send(SourceEvent::LogEnded {
                        id: req.id,
                        error: Some(e.to_string()),
                    });
                    return;
                }
            }
        }
        let _ = tx.send(SourceEvent::LogLines {
            id: req.id,
            lines: batch,
        });
    }
    let _ = tx.send(SourceEvent::LogEnded {
        id: req.id,
        error: None,
    });
}
