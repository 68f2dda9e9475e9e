//! Forwarding rules of DNS Services custom resolvers: the default rule every resolver has, zone rules, their views,
//! and rules F1–F6.

use super::resolver::{check_description, own_resolver, refuse_updating};
use super::{Applied, Patch};
use crate::Context;
use crate::error::{RuleError, RuleResult};
use crate::expression::Expression;
use crate::model::{CustomResolver, ForwardingRule, ForwardingRuleKind, RuleView, Target};
use crate::world::{Entity, EntityKey, World};

/// A view as a request gives it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewView {
    /// `name`.
    pub name: String,
    /// `description`.
    pub description: Option<String>,
    /// `expression`.
    pub expression: String,
    /// `forward_to`.
    pub forward_to: Vec<String>,
}

/// `POST .../custom_resolvers/{id}/forwarding_rules`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewForwardingRule {
    /// `type`: only `zone` is created.
    pub kind: String,
    /// `match`.
    pub matches: String,
    /// `description`.
    pub description: Option<String>,
    /// `forward_to`.
    pub forward_to: Vec<String>,
    /// `views`.
    pub views: Vec<NewView>,
}

/// `PATCH .../forwarding_rules/{rule}`: each list given replaces the rule's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ForwardingRulePatch {
    /// `description` (`null` empties it).
    pub description: Patch<String>,
    /// `match`: a zone rule's only.
    pub matches: Option<String>,
    /// `forward_to`.
    pub forward_to: Option<Vec<String>>,
    /// `views`.
    pub views: Option<Vec<NewView>>,
}

/// A zone name as DNS Services stores it: lowercase, without the trailing dot, 1 to 253 characters in labels of 1 to
/// 63 letters, digits, hyphens and underscores (underscores name service records such as `_sip._tcp.example.com`).
pub(crate) fn zone_name(text: &str, code: &'static str, field: &str, rule: &'static str) -> RuleResult<String> {
    let name = text.strip_suffix('.').unwrap_or(text).to_ascii_lowercase();
    let valid = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
    if valid {
        Ok(name)
    } else {
        Err(RuleError::invalid(code, format!("`{text}` is not a DNS zone name")).field(field).rule(rule))
    }
}

/// Targets as a request gives them: addresses, each with an optional port.
pub(crate) fn targets(
    texts: &[String],
    code: &'static str,
    field: &str,
    rule: &'static str,
) -> RuleResult<Vec<Target>> {
    texts
        .iter()
        .map(|text| {
            Target::parse(text.trim()).ok_or_else(|| {
                RuleError::invalid(
                    code,
                    format!("`{text}` is not an IP address, or an IP address with a port (`10.0.0.7:5353`)"),
                )
                .field(field)
                .rule(rule)
            })
        })
        .collect()
}

fn rule_description(description: &str) -> RuleResult<String> {
    check_description(description)?;
    Ok(description.to_owned())
}

/// The views of a request, checked: at most the profile's number, names unique, each expression of the grammar and
/// each with somewhere to send queries (rule F6).
fn views(resolver: &CustomResolver, inputs: &[NewView]) -> RuleResult<Vec<RuleView>> {
    let limit = resolver.profile.max_views();
    if inputs.len() > limit {
        return Err(RuleError::invalid(
            "forwarding_rule_too_many_views",
            format!(
                "a forwarding rule of a custom resolver with the `{}` profile has at most {limit} views",
                resolver.profile.as_str()
            ),
        )
        .field("views")
        .rule("F6"));
    }
    let mut views: Vec<RuleView> = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.iter().enumerate() {
        let name = input.name.trim();
        if name.is_empty()
            || name.chars().count() > 64
            || hubspoke_iam::text::forbidden_character(name, false).is_some()
        {
            return Err(RuleError::invalid("invalid_view_name", "a view's name is 1 to 64 visible characters")
                .field(&format!("views[{index}].name"))
                .rule("F6"));
        }
        if views.iter().any(|view| view.name == name) {
            return Err(RuleError::invalid("view_name_duplicate", format!("two views of the rule are named `{name}`"))
                .field(&format!("views[{index}].name"))
                .rule("F6"));
        }
        let expression = Expression::parse(&input.expression).map_err(|error| {
            RuleError::invalid("invalid_view_expression", format!("view `{name}`: {error}"))
                .field(&format!("views[{index}].expression"))
                .rule("F6")
        })?;
        let field = format!("views[{index}].forward_to");
        let forward_to = targets(&input.forward_to, "invalid_forward_to", &field, "F3")?;
        if forward_to.is_empty() {
            return Err(RuleError::invalid(
                "forwarding_rule_without_targets",
                format!("view `{name}` needs at least one address in `forward_to`"),
            )
            .field(&field)
            .rule("F3"));
        }
        let description = match &input.description {
            Some(description) => rule_description(description)?,
            None => String::new(),
        };
        views.push(RuleView { name: name.to_owned(), description, expression, forward_to });
    }
    Ok(views)
}

/// Rule F3: a rule sends its queries somewhere, by its own `forward_to` or by a view.
fn check_sends_somewhere(rule: &ForwardingRule) -> RuleResult<()> {
    if rule.forward_to.is_empty() && rule.views.is_empty() {
        return Err(RuleError::invalid(
            "forwarding_rule_without_targets",
            "a forwarding rule needs `forward_to` addresses, views, or both",
        )
        .field("forward_to")
        .rule("F3"));
    }
    Ok(())
}

/// Rule F4: one rule per matched name on a resolver.
fn check_unique_match(world: &World, rule: &ForwardingRule) -> RuleResult<()> {
    let duplicate = world
        .forwarding_rules_of(&rule.resolver)
        .into_iter()
        .find(|other| other.id != rule.id && other.matches == rule.matches);
    match duplicate {
        Some(other) => Err(RuleError::conflict(
            "forwarding_rule_duplicate",
            format!("forwarding rule `{}` of this custom resolver already matches `{}`", other.id, rule.matches),
        )
        .field("match")
        .rule("F4")),
        None => Ok(()),
    }
}

/// A forwarding rule of a resolver the caller may act on, or 404.
fn own_rule<'a>(
    world: &'a World,
    ctx: &Context,
    instance: &str,
    resolver: &str,
    id: &str,
) -> RuleResult<(&'a CustomResolver, &'a ForwardingRule)> {
    let resolver = own_resolver(world, ctx, instance, resolver)?;
    let rule = world
        .forwarding_rule(id)
        .filter(|rule| rule.resolver == resolver.id)
        .ok_or_else(|| RuleError::not_found("forwarding rule", id))?;
    Ok((resolver, rule))
}

/// `POST .../custom_resolvers/{resolver}/forwarding_rules`: a zone rule (rules F1–F6).
pub fn create(
    world: &World,
    ctx: &mut Context,
    instance: &str,
    resolver: &str,
    input: &NewForwardingRule,
) -> RuleResult<Applied<String>> {
    let resolver = own_resolver(world, ctx, instance, resolver)?;
    if input.kind != "zone" {
        return Err(RuleError::invalid(
            "invalid_forwarding_rule_type",
            format!(
                "`{}` is not a type of forwarding rule that can be created: use `zone` (the default rule comes with its resolver)",
                input.kind
            ),
        )
        .field("type")
        .rule("F1"));
    }
    refuse_updating(resolver, ctx, "add a forwarding rule to")?;
    let matches = zone_name(&input.matches, "invalid_match", "match", "F2")?;
    let rules = world.forwarding_rules_of(&resolver.id);
    let limit = resolver.profile.max_forwarding_rules();
    if rules.iter().filter(|rule| rule.kind == ForwardingRuleKind::Zone).count() >= limit {
        return Err(RuleError::conflict(
            "forwarding_rule_limit",
            format!(
                "a custom resolver with the `{}` profile has at most {limit} forwarding rules besides its default rule",
                resolver.profile.as_str()
            ),
        )
        .rule("F5"));
    }
    let description = match &input.description {
        Some(description) => rule_description(description)?,
        None => String::new(),
    };
    let rule = ForwardingRule {
        id: ctx.ids.uuid(),
        account: resolver.account.clone(),
        resolver: resolver.id.clone(),
        sequence: rules.iter().map(|rule| rule.sequence).max().unwrap_or(0) + 1,
        kind: ForwardingRuleKind::Zone,
        description,
        matches,
        forward_to: targets(&input.forward_to, "invalid_forward_to", "forward_to", "F3")?,
        views: views(resolver, &input.views)?,
        created_at: ctx.now,
        modified_at: ctx.now,
    };
    check_sends_somewhere(&rule)?;
    check_unique_match(world, &rule)?;
    let id = rule.id.clone();
    let mut draft = world.draft();
    draft.put(Entity::ForwardingRule(rule));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id })
}

/// `PATCH .../forwarding_rules/{rule}`: description, match (a zone rule's only: rule F1), forward_to and views.
pub fn update(
    world: &World,
    ctx: &mut Context,
    instance: &str,
    resolver: &str,
    id: &str,
    patch: &ForwardingRulePatch,
) -> RuleResult<Applied<String>> {
    let (resolver, rule) = own_rule(world, ctx, instance, resolver, id)?;
    refuse_updating(resolver, ctx, "change a forwarding rule of")?;
    let mut rule = rule.clone();
    match &patch.description {
        Patch::Absent => {}
        Patch::Null => rule.description = String::new(),
        Patch::Value(description) => rule.description = rule_description(description)?,
    }
    if let Some(matches) = &patch.matches {
        if rule.kind == ForwardingRuleKind::Default {
            if matches != "*" {
                return Err(RuleError::invalid(
                    "forwarding_rule_default_match",
                    "the default forwarding rule always matches `*`",
                )
                .field("match")
                .rule("F1"));
            }
        } else {
            rule.matches = zone_name(matches, "invalid_match", "match", "F2")?;
        }
    }
    if let Some(forward_to) = &patch.forward_to {
        rule.forward_to = targets(forward_to, "invalid_forward_to", "forward_to", "F3")?;
    }
    if let Some(inputs) = &patch.views {
        rule.views = views(resolver, inputs)?;
    }
    check_sends_somewhere(&rule)?;
    check_unique_match(world, &rule)?;
    rule.modified_at = ctx.now;
    let mut draft = world.draft();
    draft.put(Entity::ForwardingRule(rule));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: id.to_owned() })
}

/// `DELETE .../forwarding_rules/{rule}`: a zone rule; the default rule stays (rule F1).
pub fn delete(world: &World, ctx: &mut Context, instance: &str, resolver: &str, id: &str) -> RuleResult<Applied<()>> {
    let (resolver, rule) = own_rule(world, ctx, instance, resolver, id)?;
    if rule.kind == ForwardingRuleKind::Default {
        return Err(RuleError::conflict(
            "forwarding_rule_default",
            format!("forwarding rule `{id}` is the default rule of its custom resolver, which always has one; edit it instead"),
        )
        .rule("F1"));
    }
    refuse_updating(resolver, ctx, "delete a forwarding rule of")?;
    let mut draft = world.draft();
    draft.remove(EntityKey::ForwardingRule(id.to_owned()));
    let (world, touched) = draft.finish();
    Ok(Applied { world, touched, value: () })
}
