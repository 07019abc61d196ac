package server

import rbacv1 "k8s.io/api/rbac/v1"

// ClusterRules are what the server's own identity needs cluster-wide: to read Stoke's kinds into its
// cache, to review tokens and access, and to impersonate callers for their writes. The Helm chart grants
// exactly these (its tests check), and the integration tests run the server with only these.
func ClusterRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		{APIGroups: []string{group}, Resources: []string{resApplications, resWorkflows, resSchedules}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{"authentication.k8s.io"}, Resources: []string{"tokenreviews"}, Verbs: []string{"create"}},
		{APIGroups: []string{"authorization.k8s.io"}, Resources: []string{"subjectaccessreviews"}, Verbs: []string{"create"}},
		{APIGroups: []string{""}, Resources: []string{"users", "groups", "serviceaccounts"}, Verbs: []string{"impersonate"}},
		// A caller's extras (a service account token's credential-id, pod-name, ...) are userextras/<key>; RBAC
		// has no wildcard for a key, so any resource of the group, for impersonate only.
		{APIGroups: []string{"authentication.k8s.io"}, Resources: []string{"*"}, Verbs: []string{"impersonate"}},
	}
}

// StateRules are what it needs in its own namespace: the Livy batch id counter.
func StateRules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"create"}},
		{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "update"}, ResourceNames: []string{BatchIDConfigMap}},
	}
}
