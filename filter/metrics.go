package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"

	"github.com/wasmauth/wasmauth/auth"
)

// Metric names. Envoy exposes them with a "wasmcustom." prefix, and Prometheus as
// envoy_wasmcustom_wasmauth_<name> (dots become underscores).
const (
	metricAllowed           = "wasmauth.allowed"
	metricExempt            = "wasmauth.exempt"
	metricUnmatched         = "wasmauth.unmatched"
	metricDeniedUnauth      = "wasmauth.denied_unauthenticated"
	metricDeniedForbidden   = "wasmauth.denied_forbidden"
	metricDeniedBadRequest  = "wasmauth.denied_bad_request"
	metricDeniedThrottled   = "wasmauth.denied_throttled"
	metricDryRunWouldDeny   = "wasmauth.dry_run_would_deny"
	metricRulePrefix        = "wasmauth.rule."
	metricRuleAllowedSuffix = ".allowed"
	metricRuleDeniedSuffix  = ".denied"
)

// metrics are the filter's counters, defined once per plugin.
type metrics struct {
	allowed, exempt, unmatched                  proxywasm.MetricCounter
	deniedUnauth, deniedForbidden, deniedBadReq proxywasm.MetricCounter
	dryRun, deniedThrottled                     proxywasm.MetricCounter
	ruleAllowed, ruleDenied                     []proxywasm.MetricCounter
}

func newMetrics(ruleNames []string) *metrics {
	m := &metrics{
		allowed:         proxywasm.DefineCounterMetric(metricAllowed),
		exempt:          proxywasm.DefineCounterMetric(metricExempt),
		unmatched:       proxywasm.DefineCounterMetric(metricUnmatched),
		deniedUnauth:    proxywasm.DefineCounterMetric(metricDeniedUnauth),
		deniedForbidden: proxywasm.DefineCounterMetric(metricDeniedForbidden),
		deniedBadReq:    proxywasm.DefineCounterMetric(metricDeniedBadRequest),
		dryRun:          proxywasm.DefineCounterMetric(metricDryRunWouldDeny),
		deniedThrottled: proxywasm.DefineCounterMetric(metricDeniedThrottled),
	}
	for _, name := range ruleNames {
		m.ruleAllowed = append(m.ruleAllowed, proxywasm.DefineCounterMetric(metricRulePrefix+name+metricRuleAllowedSuffix))
		m.ruleDenied = append(m.ruleDenied, proxywasm.DefineCounterMetric(metricRulePrefix+name+metricRuleDeniedSuffix))
	}
	return m
}

// record counts one verdict: one counter for the outcome and, when a rule decided or
// passed, that rule's counter.
func (m *metrics) record(v *auth.Verdict) {
	switch v.Outcome {
	case auth.Allow:
		m.allowed.Increment(1)
	case auth.Exempt:
		m.exempt.Increment(1)
	case auth.Unmatched:
		m.unmatched.Increment(1)
	case auth.DenyUnauthenticated:
		m.deniedUnauth.Increment(1)
	case auth.DenyForbidden, auth.DenyUnmatched:
		m.deniedForbidden.Increment(1)
	case auth.DenyBadRequest:
		m.deniedBadReq.Increment(1)
	case auth.DenyThrottled:
		m.deniedThrottled.Increment(1)
	}
	if v.DryRun && v.Status != 0 {
		m.dryRun.Increment(1)
	}
	if v.Rule >= 0 && v.Rule < len(m.ruleDenied) {
		if v.Status != 0 {
			m.ruleDenied[v.Rule].Increment(1)
		} else {
			m.ruleAllowed[v.Rule].Increment(1)
		}
	}
}
