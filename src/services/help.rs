//! Help/FAQ topics (`patient_help_topics`): a public list, seeded by a migration and
//! edited by holders of `help:manage`.
//!
//! Every change is one transaction together with its audit row (`help_topic`).

use chrono::Utc;
use entity::{enums::AuditAction, patient_help_topics};
use sea_orm::{
    ActiveModelTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    IntoSimpleExpr, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait, Func},
};
use serde_json::{Value, json};

use super::{
    audit::{self, AuditEntry},
    pagination,
};
use crate::{
    auth::request::ClientInfo,
    domain,
    error::{AppError, AppResult, FieldErrors},
};

/// Longest question (the column's length).
pub const QUESTION_MAX: usize = 300;
/// Longest answer.
pub const ANSWER_MAX: usize = 10_000;
/// Longest category (the column's length).
pub const CATEGORY_MAX: usize = 100;
/// Largest `sortOrder` (the smallest is 0).
pub const SORT_ORDER_MAX: i32 = 10_000;
/// Longest accepted `search` text.
pub const SEARCH_MAX: usize = 200;

const NOT_NULL: &str = "This field may not be null.";

/// Which topics to list. Blank values leave a criterion out.
#[derive(Debug, Clone, Default)]
pub struct HelpTopicFilter {
    /// Words that must each appear in the question or the answer (case-insensitive,
    /// matched literally).
    pub search: Option<String>,
    /// Only topics of this category (case-insensitive, whole value).
    pub category: Option<String>,
}

/// A new topic, as the client sent it.
#[derive(Debug, Clone)]
pub struct NewHelpTopic {
    /// The question, required.
    pub question: String,
    /// The answer, required.
    pub answer: String,
    /// The grouping, required.
    pub category: String,
    /// Position within the category; 0 when absent.
    pub sort_order: Option<i32>,
}

/// Changes to a topic. `None` leaves a field as it is; `Some(None)` (an explicit
/// `null`) is refused, since no field can be empty.
#[derive(Debug, Clone, Default)]
pub struct HelpTopicChanges {
    /// New question.
    pub question: Option<Option<String>>,
    /// New answer.
    pub answer: Option<Option<String>>,
    /// New category.
    pub category: Option<Option<String>>,
    /// New position within the category.
    pub sort_order: Option<Option<i32>>,
}

/// Checks a `sortOrder`: 0 to [`SORT_ORDER_MAX`].
pub fn parse_sort_order(value: i32) -> Result<i32, String> {
    if value < 0 {
        Err("Ensure this value is greater than or equal to 0.".to_owned())
    } else if value > SORT_ORDER_MAX {
        Err(format!(
            "Ensure this value is less than or equal to {SORT_ORDER_MAX}."
        ))
    } else {
        Ok(value)
    }
}

/// Topics matching `filter`, ordered by category, then `sort_order`, then id.
pub async fn list(
    conn: &impl ConnectionTrait,
    filter: &HelpTopicFilter,
) -> AppResult<Vec<patient_help_topics::Model>> {
    let search = filter.search.as_deref().map(str::trim).unwrap_or_default();
    let category = filter
        .category
        .as_deref()
        .map(str::trim)
        .unwrap_or_default();
    let mut errors = FieldErrors::new();
    if search.chars().count() > SEARCH_MAX {
        errors.add(
            "search",
            format!("Ensure this field has no more than {SEARCH_MAX} characters."),
        );
    }
    if category.chars().count() > CATEGORY_MAX {
        errors.add(
            "category",
            format!("Ensure this field has no more than {CATEGORY_MAX} characters."),
        );
    }
    errors.into_result()?;

    let mut select = patient_help_topics::Entity::find();
    for word in search.split_whitespace() {
        let pattern = pagination::contains_pattern(word);
        select = select.filter(
            Condition::any()
                .add(pagination::ilike(
                    patient_help_topics::Column::Question.into_simple_expr(),
                    pattern.clone(),
                ))
                .add(pagination::ilike(
                    patient_help_topics::Column::Answer.into_simple_expr(),
                    pattern,
                )),
        );
    }
    if !category.is_empty() {
        // Both sides through the database's `lower`, as `pagination::ilike` does.
        select = select.filter(
            Expr::from(Func::lower(
                patient_help_topics::Column::Category.into_simple_expr(),
            ))
            .eq(Expr::from(Func::lower(Expr::val(category)))),
        );
    }
    Ok(select
        .order_by_asc(patient_help_topics::Column::Category)
        .order_by_asc(patient_help_topics::Column::SortOrder)
        .order_by_asc(patient_help_topics::Column::Id)
        .all(conn)
        .await?)
}

fn topic_details(topic: &patient_help_topics::Model) -> Value {
    json!({
        "question": topic.question,
        "answer": topic.answer,
        "category": topic.category,
        "sortOrder": topic.sort_order,
    })
}

/// Parses an optional required text field of an update: absent stays absent, `null`
/// and blank are errors.
fn changed_text(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&Option<String>>,
    max: usize,
) -> Option<String> {
    match value {
        None => None,
        Some(None) => {
            errors.add(field, NOT_NULL);
            None
        }
        Some(Some(v)) => domain::collect(errors, field, domain::required_text(v, max)),
    }
}

fn validation_gap() -> AppError {
    AppError::internal(
        "help topic validation",
        anyhow::anyhow!("no field errors but a field missing"),
    )
}

/// Creates a topic (every field error at once), with its audit row.
pub async fn create(
    db: &DatabaseConnection,
    actor_id: i32,
    input: NewHelpTopic,
    client: &ClientInfo,
) -> AppResult<patient_help_topics::Model> {
    let mut errors = FieldErrors::new();
    let question = domain::collect(
        &mut errors,
        "question",
        domain::required_text(&input.question, QUESTION_MAX),
    );
    let answer = domain::collect(
        &mut errors,
        "answer",
        domain::required_text(&input.answer, ANSWER_MAX),
    );
    let category = domain::collect(
        &mut errors,
        "category",
        domain::required_text(&input.category, CATEGORY_MAX),
    );
    let sort_order = domain::collect(
        &mut errors,
        "sortOrder",
        parse_sort_order(input.sort_order.unwrap_or(0)),
    );
    errors.into_result()?;
    let (Some(question), Some(answer), Some(category), Some(sort_order)) =
        (question, answer, category, sort_order)
    else {
        return Err(validation_gap());
    };

    let now = Utc::now();
    let txn = crate::db::begin_write(db).await?;
    let topic = patient_help_topics::ActiveModel {
        question: Set(question),
        answer: Set(answer),
        category: Set(category),
        sort_order: Set(sort_order),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(actor_id),
            action: AuditAction::Create,
            resource_type: "help_topic",
            resource_id: Some(topic.id.to_string()),
            details: topic_details(&topic),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(topic)
}

/// Applies a partial update; only the fields that change are written and audited
/// (`details` holds `{ field: { from, to } }`). An update that changes nothing writes
/// nothing. Unknown id: `NOT_FOUND`.
pub async fn update(
    db: &DatabaseConnection,
    actor_id: i32,
    id: i32,
    changes: HelpTopicChanges,
    client: &ClientInfo,
) -> AppResult<patient_help_topics::Model> {
    let mut errors = FieldErrors::new();
    let question = changed_text(
        &mut errors,
        "question",
        changes.question.as_ref(),
        QUESTION_MAX,
    );
    let answer = changed_text(&mut errors, "answer", changes.answer.as_ref(), ANSWER_MAX);
    let category = changed_text(
        &mut errors,
        "category",
        changes.category.as_ref(),
        CATEGORY_MAX,
    );
    let sort_order = match changes.sort_order {
        None => None,
        Some(None) => {
            errors.add("sortOrder", NOT_NULL);
            None
        }
        Some(Some(n)) => domain::collect(&mut errors, "sortOrder", parse_sort_order(n)),
    };
    errors.into_result()?;

    let txn = crate::db::begin_write(db).await?;
    // Row lock on PostgreSQL so concurrent changes serialise and what the audit row
    // records is exact (SQLite's IMMEDIATE transaction already serialises writers).
    let topic = patient_help_topics::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("Help topic"))?;
    let mut details = serde_json::Map::new();
    let mut active = topic.clone().into_active_model();
    if let Some(question) = question.filter(|q| *q != topic.question) {
        details.insert(
            "question".into(),
            json!({ "from": topic.question, "to": question }),
        );
        active.question = Set(question);
    }
    if let Some(answer) = answer.filter(|a| *a != topic.answer) {
        details.insert(
            "answer".into(),
            json!({ "from": topic.answer, "to": answer }),
        );
        active.answer = Set(answer);
    }
    if let Some(category) = category.filter(|c| *c != topic.category) {
        details.insert(
            "category".into(),
            json!({ "from": topic.category, "to": category }),
        );
        active.category = Set(category);
    }
    if let Some(sort_order) = sort_order.filter(|s| *s != topic.sort_order) {
        details.insert(
            "sortOrder".into(),
            json!({ "from": topic.sort_order, "to": sort_order }),
        );
        active.sort_order = Set(sort_order);
    }
    if details.is_empty() {
        return Ok(topic);
    }
    active.updated_at = Set(Utc::now());
    let updated = active.update(&txn).await?;
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(actor_id),
            action: AuditAction::Update,
            resource_type: "help_topic",
            resource_id: Some(id.to_string()),
            details: Value::Object(details),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Deletes a topic and returns its id; `NOT_FOUND` for an unknown id. The audit row
/// keeps the deleted topic's content.
pub async fn delete(
    db: &DatabaseConnection,
    actor_id: i32,
    id: i32,
    client: &ClientInfo,
) -> AppResult<i32> {
    let txn = crate::db::begin_write(db).await?;
    let topic = patient_help_topics::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("Help topic"))?;
    let deleted = patient_help_topics::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::not_found("Help topic"));
    }
    audit::record(
        &txn,
        AuditEntry {
            user_id: Some(actor_id),
            action: AuditAction::Delete,
            resource_type: "help_topic",
            resource_id: Some(id.to_string()),
            details: topic_details(&topic),
            client,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_order_is_bounded() {
        assert_eq!(parse_sort_order(0), Ok(0));
        assert_eq!(parse_sort_order(SORT_ORDER_MAX), Ok(SORT_ORDER_MAX));
        assert!(parse_sort_order(-1).is_err());
        assert!(parse_sort_order(SORT_ORDER_MAX + 1).is_err());
    }

    #[test]
    fn null_and_blank_required_fields_are_errors_in_updates() {
        let mut errors = FieldErrors::new();
        assert_eq!(changed_text(&mut errors, "question", None, 10), None);
        assert_eq!(
            changed_text(&mut errors, "answer", Some(&Some(" ok ".into())), 10),
            Some("ok".to_owned())
        );
        assert_eq!(changed_text(&mut errors, "question", Some(&None), 10), None);
        assert_eq!(
            changed_text(&mut errors, "category", Some(&Some("  ".into())), 10),
            None
        );
        assert!(errors.get("question").is_some());
        assert!(errors.get("category").is_some());
        assert!(errors.get("answer").is_none());
    }
}
