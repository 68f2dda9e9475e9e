//! Forwarding rules of DNS Services custom resolvers: create, read, list, update, delete. A resolver's default rule
//! comes and goes with the resolver.

use hubspoke_iam::Caller;
use hubspoke_store::Revision;
use hubspoke_vpc::RuleError;
use hubspoke_vpc::model::ForwardingRule;
use hubspoke_vpc::rules::forwarding_rule;

use super::Activity;
use crate::{App, AppError, AppResult};

pub use hubspoke_vpc::rules::forwarding_rule::{ForwardingRulePatch, NewForwardingRule, NewView};

impl App {
    /// `GET .../custom_resolvers/{resolver}/forwarding_rules`: the default rule first, then the others in order of
    /// creation.
    pub fn list_forwarding_rules(
        &self,
        caller: &Caller,
        instance: &str,
        resolver: &str,
    ) -> AppResult<Vec<ForwardingRule>> {
        let visible = self.visible(caller);
        let resolver = visible.resolver(instance, resolver)?;
        Ok(visible.world.forwarding_rules_of(&resolver.id).into_iter().cloned().collect())
    }

    /// `GET .../custom_resolvers/{resolver}/forwarding_rules/{id}`.
    pub fn forwarding_rule(
        &self,
        caller: &Caller,
        instance: &str,
        resolver: &str,
        id: &str,
    ) -> AppResult<ForwardingRule> {
        let visible = self.visible(caller);
        let resolver = visible.resolver(instance, resolver)?;
        visible
            .world
            .forwarding_rule(id)
            .filter(|rule| rule.resolver == resolver.id)
            .cloned()
            .ok_or_else(|| AppError::Rule(RuleError::not_found("forwarding rule", id)))
    }

    /// `POST .../custom_resolvers/{resolver}/forwarding_rules`.
    pub async fn create_forwarding_rule(
        &self,
        caller: &Caller,
        instance: &str,
        resolver: &str,
        input: NewForwardingRule,
    ) -> AppResult<ForwardingRule> {
        let activity = Activity::on("dns-svcs.custom-resolver.update", "custom_resolver", resolver);
        let (id, _) = self
            .change(caller, activity, |world, ctx| forwarding_rule::create(world, ctx, instance, resolver, &input))
            .await?;
        self.forwarding_rule(caller, instance, resolver, &id)
    }

    /// `PATCH .../forwarding_rules/{id}`.
    pub async fn update_forwarding_rule(
        &self,
        caller: &Caller,
        instance: &str,
        resolver: &str,
        id: &str,
        patch: ForwardingRulePatch,
    ) -> AppResult<ForwardingRule> {
        let activity = Activity::on("dns-svcs.custom-resolver.update", "custom_resolver", resolver);
        self.change(caller, activity, |world, ctx| forwarding_rule::update(world, ctx, instance, resolver, id, &patch))
            .await?;
        self.forwarding_rule(caller, instance, resolver, id)
    }

    /// `DELETE .../forwarding_rules/{id}`.
    pub async fn delete_forwarding_rule(
        &self,
        caller: &Caller,
        instance: &str,
        resolver: &str,
        id: &str,
    ) -> AppResult<Revision> {
        let activity = Activity::on("dns-svcs.custom-resolver.update", "custom_resolver", resolver);
        let (_, revision) = self
            .change(caller, activity, |world, ctx| forwarding_rule::delete(world, ctx, instance, resolver, id))
            .await?;
        Ok(revision)
    }
}
