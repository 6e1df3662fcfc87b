//! Batches, batch conditions and batch results (LIBSQL-SURFACE §5.3).
//!
//! A batch is a list of steps; each step may carry a [`BatchCond`] that decides, from the
//! outcomes of *earlier* steps and the connection's autocommit state, whether it runs.
//! [`BatchCond::eval`] is the pure evaluation the server uses; [`Batch::check`] enforces the
//! protocol rules that sqld checks before running anything (step references point strictly
//! backwards; `is_autocommit` needs Hrana 3; `sql_id` needs Hrana 2).
//!
//! Semantics follow sqld's recorded behaviour, which differs from the prose in the docs in
//! one point: `error` on a *skipped* step is true (sqld stores one "succeeded" flag per step
//! and `error` is its negation).
//!
//! [`BatchResult`] has one slot per step in both `step_results` and `step_errors`: a step that
//! ran and succeeded has a result, one that failed has an error, a skipped step has `null` in
//! both.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Feature, ProtocolError};
use crate::stmt::{Stmt, StmtResult};
use crate::value::NonFiniteFloat;
use crate::version::Version;

/// A batch of conditional steps.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Batch {
    /// The steps, run in order.
    pub steps: Vec<BatchStep>,
    /// sqld extension: wait until this replication frame is applied (string or number).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::serde_util::opt_u64_str"
    )]
    pub replication_index: Option<u64>,
}

/// One step: a statement and an optional condition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchStep {
    /// Run the step only if this holds; no condition means always run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<BatchCond>,
    /// The statement.
    pub stmt: Stmt,
}

/// A batch step condition, JSON-tagged by `type`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BatchCond {
    /// `{"type":"ok","step":n}`: step n ran and succeeded.
    Ok {
        /// 0-based step index.
        step: u32,
    },
    /// `{"type":"error","step":n}`: step n ran and failed.
    Error {
        /// 0-based step index.
        step: u32,
    },
    /// `{"type":"not","cond":C}`: C is false.
    Not {
        /// The negated condition.
        cond: Box<BatchCond>,
    },
    /// `{"type":"and","conds":[..]}`: all hold (empty: true).
    And {
        /// The conjuncts.
        conds: Vec<BatchCond>,
    },
    /// `{"type":"or","conds":[..]}`: any holds (empty: false).
    Or {
        /// The disjuncts.
        conds: Vec<BatchCond>,
    },
    /// `{"type":"is_autocommit"}`: the connection is in autocommit mode (Hrana 3).
    IsAutocommit,
}

/// What happened to an earlier batch step, as seen by conditions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepOutcome {
    /// The step ran and succeeded.
    Ok,
    /// The step ran and failed.
    Error,
    /// The step's condition was false, so it did not run. Conditions treat it like a
    /// failed step (`error` is true, `ok` is false), as sqld does.
    Skipped,
}

impl BatchCond {
    /// Evaluates the condition as sqld does.
    ///
    /// `outcomes[i]` is the outcome of step `i`. sqld keeps one "succeeded" flag per step, so
    /// `error` means "did not succeed": it is **true for a skipped step** as well as for a
    /// failed one (transcripts §5: `{"type":"error","step":3}` on skipped step 3 ran its
    /// statement; the prose summaries in the docs say otherwise, the recorded response wins).
    /// `ok` is true only for a step that ran and succeeded. A reference past `outcomes` (the
    /// current or a later step) is rejected by [`BatchCond::check`] before anything runs; if
    /// it reaches `eval` anyway, both `ok` and `error` are false.
    /// `is_autocommit` is the connection state just before this step.
    pub fn eval(&self, outcomes: &[StepOutcome], is_autocommit: bool) -> bool {
        self.eval_with(
            &|step| outcomes.get(step as usize).map(|o| *o == StepOutcome::Ok),
            is_autocommit,
        )
    }

    /// Evaluates the condition with a lookup: `step_ok(n)` is `Some(true)` if step `n` ran and
    /// succeeded, `Some(false)` if it failed or was skipped, and `None` if it has not been
    /// reached (then both `ok` and `error` are false). See [`BatchCond::eval`].
    pub fn eval_with(&self, step_ok: &dyn Fn(u32) -> Option<bool>, is_autocommit: bool) -> bool {
        match self {
            BatchCond::Ok { step } => step_ok(*step) == Some(true),
            BatchCond::Error { step } => step_ok(*step) == Some(false),
            BatchCond::Not { cond } => !cond.eval_with(step_ok, is_autocommit),
            BatchCond::And { conds } => conds.iter().all(|c| c.eval_with(step_ok, is_autocommit)),
            BatchCond::Or { conds } => conds.iter().any(|c| c.eval_with(step_ok, is_autocommit)),
            BatchCond::IsAutocommit => is_autocommit,
        }
    }

    /// Checks the condition of step `step_index`: every referenced step must come strictly
    /// before it, and `is_autocommit` needs Hrana 3.
    pub fn check(&self, step_index: u32, version: Version) -> Result<(), ProtocolError> {
        match self {
            BatchCond::Ok { step } | BatchCond::Error { step } => {
                if *step >= step_index {
                    return Err(ProtocolError::BadStepReference);
                }
                Ok(())
            }
            BatchCond::Not { cond } => cond.check(step_index, version),
            BatchCond::And { conds } | BatchCond::Or { conds } => {
                conds.iter().try_for_each(|c| c.check(step_index, version))
            }
            BatchCond::IsAutocommit => {
                if version < Version::Hrana3 {
                    return Err(ProtocolError::NotSupported {
                        feature: Feature::BatchCond("is_autocommit"),
                        min: Version::Hrana3,
                    });
                }
                Ok(())
            }
        }
    }
}

impl Batch {
    /// A batch of unconditional steps.
    pub fn from_stmts(stmts: impl IntoIterator<Item = Stmt>) -> Self {
        Batch {
            steps: stmts
                .into_iter()
                .map(|stmt| BatchStep {
                    condition: None,
                    stmt,
                })
                .collect(),
            replication_index: None,
        }
    }

    /// Checks every step's condition ([`BatchCond::check`]) and statement version rules
    /// ([`Stmt::check_version`]). Run this before executing any step: sqld rejects the whole
    /// batch as a protocol error.
    pub fn check(&self, version: Version) -> Result<(), ProtocolError> {
        for (i, step) in self.steps.iter().enumerate() {
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            if let Some(cond) = &step.condition {
                cond.check(index, version)?;
            }
            step.stmt.check_version(version)?;
        }
        Ok(())
    }
}

/// The result of a batch.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct BatchResult {
    /// Per step: the result if it ran and succeeded, else `None`.
    pub step_results: Vec<Option<StmtResult>>,
    /// Per step: the error if it ran and failed, else `None`.
    pub step_errors: Vec<Option<Error>>,
    /// sqld extension: last committed frame number after the batch, as a string.
    #[serde(default, with = "crate::serde_util::opt_u64_str")]
    pub replication_index: Option<u64>,
}

impl BatchResult {
    /// A result with `steps` empty slots (every step skipped so far).
    pub fn with_steps(steps: usize) -> Self {
        BatchResult {
            step_results: vec![None; steps],
            step_errors: vec![None; steps],
            replication_index: None,
        }
    }

    /// The outcome of step `i` as recorded here.
    pub fn outcome(&self, i: usize) -> StepOutcome {
        if self.step_results.get(i).is_some_and(Option::is_some) {
            StepOutcome::Ok
        } else if self.step_errors.get(i).is_some_and(Option::is_some) {
            StepOutcome::Error
        } else {
            StepOutcome::Skipped
        }
    }

    /// Fails when a step result holds a float JSON cannot carry.
    pub fn check_json_encodable(&self) -> Result<(), NonFiniteFloat> {
        self.step_results
            .iter()
            .flatten()
            .try_for_each(StmtResult::check_json_encodable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::arb_batch_cond;
    use proptest::prelude::*;

    fn ok(step: u32) -> BatchCond {
        BatchCond::Ok { step }
    }
    fn err(step: u32) -> BatchCond {
        BatchCond::Error { step }
    }
    fn not(c: BatchCond) -> BatchCond {
        BatchCond::Not { cond: Box::new(c) }
    }

    #[test]
    fn json_shapes() {
        let cases = [
            (ok(0), r#"{"type":"ok","step":0}"#),
            (err(3), r#"{"type":"error","step":3}"#),
            (
                not(ok(1)),
                r#"{"type":"not","cond":{"type":"ok","step":1}}"#,
            ),
            (
                BatchCond::And {
                    conds: vec![ok(0), ok(1)],
                },
                r#"{"type":"and","conds":[{"type":"ok","step":0},{"type":"ok","step":1}]}"#,
            ),
            (
                BatchCond::Or { conds: vec![] },
                r#"{"type":"or","conds":[]}"#,
            ),
            (BatchCond::IsAutocommit, r#"{"type":"is_autocommit"}"#),
        ];
        for (cond, text) in cases {
            assert_eq!(serde_json::to_string(&cond).unwrap(), text);
            assert_eq!(serde_json::from_str::<BatchCond>(text).unwrap(), cond);
        }
        let c: BatchCond = serde_json::from_str(r#"{"type":"is_autocommit","x":1}"#).unwrap();
        assert_eq!(c, BatchCond::IsAutocommit);
    }

    /// The transcript §5 batch: step 0 ok, step 1 error, step 3 skipped. Step 11 of that
    /// batch (`error` of skipped step 3) ran in sqld.
    #[test]
    fn truth_table_from_transcript() {
        use StepOutcome::*;
        let outcomes = [Ok, Error, Ok, Skipped, Ok, Ok, Skipped, Ok, Ok, Skipped];
        let cases = [
            (ok(0), true),
            (ok(1), false),
            (err(1), true),
            (err(0), false),
            (not(ok(1)), true),
            (
                BatchCond::And {
                    conds: vec![ok(0), ok(1)],
                },
                false,
            ),
            (
                BatchCond::Or {
                    conds: vec![ok(0), ok(1)],
                },
                true,
            ),
            (BatchCond::And { conds: vec![] }, true),
            (BatchCond::Or { conds: vec![] }, false),
            (ok(3), false), // ok of a skipped step
            (err(3), true), // error of a skipped step: sqld runs 'err-of-skipped'
            (not(ok(3)), true),
            (ok(10), false), // not reached (rejected by `check` before running)
            (err(99), false),
        ];
        for (cond, want) in cases {
            assert_eq!(cond.eval(&outcomes, true), want, "{cond:?}");
        }
    }

    #[test]
    fn is_autocommit_eval() {
        assert!(BatchCond::IsAutocommit.eval(&[], true));
        assert!(!BatchCond::IsAutocommit.eval(&[], false));
        assert!(not(BatchCond::IsAutocommit).eval(&[], false));
        // The client-library transactional pattern.
        let step = BatchCond::And {
            conds: vec![ok(0), not(BatchCond::IsAutocommit)],
        };
        assert!(step.eval(&[StepOutcome::Ok], false));
        assert!(!step.eval(&[StepOutcome::Ok], true));
    }

    #[test]
    fn eval_with_lookup() {
        let lookup = |s: u32| match s {
            0 => Some(true),
            1 => Some(false),
            _ => None,
        };
        assert!(ok(0).eval_with(&lookup, false));
        assert!(err(1).eval_with(&lookup, false));
        assert!(!err(0).eval_with(&lookup, false));
        assert!(!ok(2).eval_with(&lookup, false));
        assert!(!err(2).eval_with(&lookup, false));
    }

    #[test]
    fn check_rejects_forward_references_and_version() {
        assert!(ok(0).check(1, Version::Hrana2).is_ok());
        assert!(matches!(
            ok(1).check(1, Version::Hrana2),
            Err(ProtocolError::BadStepReference)
        ));
        assert!(matches!(
            BatchCond::And {
                conds: vec![ok(0), not(err(5))]
            }
            .check(2, Version::Hrana3),
            Err(ProtocolError::BadStepReference)
        ));
        let e = BatchCond::IsAutocommit
            .check(0, Version::Hrana2)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "BatchCond of type `is_autocommit` is only supported in protocol version hrana3 and higher"
        );
        assert!(BatchCond::IsAutocommit.check(0, Version::Hrana3).is_ok());

        let batch: Batch = serde_json::from_str(
            r#"{"steps":[{"condition":{"type":"ok","step":5},"stmt":{"sql":"SELECT 1"}}]}"#,
        )
        .unwrap();
        assert_eq!(
            batch.check(Version::Hrana2).unwrap_err().to_string(),
            "Invalid reference to step in a batch condition"
        );
        let mut sql_id = Batch::from_stmts([Stmt::new("x")]);
        sql_id.steps[0].stmt.sql_id = Some(1);
        assert!(sql_id.check(Version::Hrana1).is_err());
        assert!(sql_id.check(Version::Hrana2).is_ok());
    }

    #[test]
    fn batch_result_shape() {
        let mut r = BatchResult::with_steps(3);
        r.step_results[0] = Some(StmtResult::default());
        r.step_errors[1] = Some(Error::new("SQLite error: x", "SQLITE_UNKNOWN"));
        r.replication_index = Some(11);
        assert_eq!(r.outcome(0), StepOutcome::Ok);
        assert_eq!(r.outcome(1), StepOutcome::Error);
        assert_eq!(r.outcome(2), StepOutcome::Skipped);
        assert_eq!(r.outcome(7), StepOutcome::Skipped);
        let text = serde_json::to_string(&r).unwrap();
        assert!(text.ends_with(
            r#""step_errors":[null,{"message":"SQLite error: x","code":"SQLITE_UNKNOWN"},null],"replication_index":"11"}"#
        ), "{text}");
        assert_eq!(
            serde_json::to_string(&BatchResult {
                replication_index: Some(11),
                ..Default::default()
            })
            .unwrap(),
            r#"{"step_results":[],"step_errors":[],"replication_index":"11"}"#
        );
    }

    #[test]
    fn step_without_condition_omits_it() {
        let b = Batch::from_stmts([Stmt::new("SELECT 1")]);
        assert_eq!(
            serde_json::to_string(&b).unwrap(),
            r#"{"steps":[{"stmt":{"sql":"SELECT 1","args":[],"named_args":[],"want_rows":true}}]}"#
        );
        let step: BatchStep =
            serde_json::from_str(r#"{"condition":null,"stmt":{"sql":"x"}}"#).unwrap();
        assert_eq!(step.condition, None);
    }

    proptest! {
        #[test]
        fn cond_json_round_trip(c in arb_batch_cond()) {
            let text = serde_json::to_string(&c).unwrap();
            prop_assert_eq!(serde_json::from_str::<BatchCond>(&text).unwrap(), c);
        }

        #[test]
        fn not_negates(c in arb_batch_cond(), auto in any::<bool>(),
                       outs in proptest::collection::vec(0u8..3, 0..6)) {
            let outs: Vec<StepOutcome> = outs.into_iter().map(|o| match o {
                0 => StepOutcome::Ok, 1 => StepOutcome::Error, _ => StepOutcome::Skipped,
            }).collect();
            let n = not(c.clone());
            prop_assert_eq!(n.eval(&outs, auto), !c.eval(&outs, auto));
        }
    }
}
