//! Forwarding rules (with their views) and secondary zones of custom resolvers: their rows, read and written.

use hubspoke_vpc::expression::Expression;
use hubspoke_vpc::model::{ForwardingRule, ForwardingRuleKind, RuleView, SecondaryZone, Target};

use super::*;

/// A target list as stored: each target as written, separated by commas (an IPv6 target with a port is bracketed, so
/// no target holds a comma).
fn targets_text(targets: &[Target]) -> String {
    targets.iter().map(Target::to_string).collect::<Vec<_>>().join(",")
}

fn targets(text: &str) -> StoreResult<Vec<Target>> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(',').map(|target| Target::parse(target).ok_or_else(|| corrupt("forwarding target", target))).collect()
}

/// Adds every forwarding rule and secondary zone to `entities`.
pub(super) async fn load_forwarding(connection: &mut AnyConnection, entities: &mut Vec<Entity>) -> StoreResult<()> {
    let mut views: HashMap<String, Vec<RuleView>> = HashMap::new();
    for row in sqlx::query("SELECT * FROM forwarding_rule_views ORDER BY rule_id, position")
        .fetch_all(&mut *connection)
        .await?
    {
        let text: String = row.get("expression");
        let expression = Expression::parse(&text).map_err(|_| corrupt("view expression", &text))?;
        views.entry(row.get("rule_id")).or_default().push(RuleView {
            name: row.get("name"),
            description: row.get("description"),
            expression,
            forward_to: targets(row.get("forward_to"))?,
        });
    }
    for row in sqlx::query("SELECT * FROM forwarding_rules").fetch_all(&mut *connection).await? {
        let id: String = row.get("id");
        let kind = match row.get::<&str, _>("kind") {
            "default" => ForwardingRuleKind::Default,
            "zone" => ForwardingRuleKind::Zone,
            other => return Err(corrupt("forwarding rule type", other)),
        };
        entities.push(Entity::ForwardingRule(ForwardingRule {
            account: account(&row, "account")?,
            resolver: row.get("resolver_id"),
            sequence: row.get::<i64, _>("sequence") as u64,
            kind,
            description: row.get("description"),
            matches: row.get("match_name"),
            forward_to: targets(row.get("forward_to"))?,
            views: views.remove(&id).unwrap_or_default(),
            created_at: Timestamp(row.get("created_at")),
            modified_at: Timestamp(row.get("modified_at")),
            id,
        }));
    }
    for row in sqlx::query("SELECT * FROM secondary_zones").fetch_all(&mut *connection).await? {
        entities.push(Entity::SecondaryZone(SecondaryZone {
            id: row.get("id"),
            account: account(&row, "account")?,
            resolver: row.get("resolver_id"),
            sequence: row.get::<i64, _>("sequence") as u64,
            zone: row.get("zone"),
            description: row.get("description"),
            enabled: row.get::<i64, _>("enabled") == 1,
            transfer_from: targets(row.get("transfer_from"))?,
            created_at: Timestamp(row.get("created_at")),
            modified_at: Timestamp(row.get("modified_at")),
        }));
    }
    Ok(())
}

/// Writes a forwarding rule and replaces its views.
pub(super) async fn put_forwarding_rule(connection: &mut AnyConnection, rule: &ForwardingRule) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO forwarding_rules (id, account, resolver_id, sequence, kind, description, match_name, forward_to, \
         created_at, modified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (id) DO UPDATE SET description = excluded.description, match_name = excluded.match_name, \
         forward_to = excluded.forward_to, modified_at = excluded.modified_at",
    )
    .bind(&rule.id)
    .bind(rule.account.as_str())
    .bind(&rule.resolver)
    .bind(rule.sequence as i64)
    .bind(rule.kind.as_str())
    .bind(&rule.description)
    .bind(&rule.matches)
    .bind(targets_text(&rule.forward_to))
    .bind(rule.created_at.0)
    .bind(rule.modified_at.0)
    .execute(&mut *connection)
    .await?;
    sqlx::query("DELETE FROM forwarding_rule_views WHERE rule_id = $1")
        .bind(&rule.id)
        .execute(&mut *connection)
        .await?;
    for (position, view) in rule.views.iter().enumerate() {
        sqlx::query(
            "INSERT INTO forwarding_rule_views (rule_id, position, name, description, expression, forward_to) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&rule.id)
        .bind(position as i64)
        .bind(&view.name)
        .bind(&view.description)
        .bind(view.expression.text())
        .bind(targets_text(&view.forward_to))
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// Writes a secondary zone.
pub(super) async fn put_secondary_zone(connection: &mut AnyConnection, zone: &SecondaryZone) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO secondary_zones (id, account, resolver_id, sequence, zone, description, enabled, transfer_from, \
         created_at, modified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (id) DO UPDATE SET description = excluded.description, enabled = excluded.enabled, \
         transfer_from = excluded.transfer_from, modified_at = excluded.modified_at",
    )
    .bind(&zone.id)
    .bind(zone.account.as_str())
    .bind(&zone.resolver)
    .bind(zone.sequence as i64)
    .bind(&zone.zone)
    .bind(&zone.description)
    .bind(zone.enabled as i64)
    .bind(targets_text(&zone.transfer_from))
    .bind(zone.created_at.0)
    .bind(zone.modified_at.0)
    .execute(&mut *connection)
    .await?;
    Ok(())
}
