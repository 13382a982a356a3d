#include "scoring.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One node of the groups tree (or the root) while its points are added up: the aggregates of its
 * children, and what its subtree's tests say. */
typedef struct {
	double sum_points, sum_max, min_points, min_max, max_points, max_max;
	size_t children;
	int children_ac;  /* every child is AC */
	int all_ac;       /* every test of the subtree is AC */
	int any_run;      /* some test of the subtree ran */
	int any_unjudged; /* some test of the subtree did not run */
	int has_failure;  /* failure: the verdict of the subtree's first failing test */
	sv_verdict failure;
	int failure_order;
	size_t failure_index;
} node;

static double usable_weight(double weight)
{
	return isfinite(weight) && weight > 0 ? weight : 0;
}

static int same_points(double points, double max)
{
	return points >= max - 1e-9 * fmax(1, fabs(max));
}

static void node_init(node *n)
{
	memset(n, 0, sizeof(*n));
	n->children_ac = n->all_ac = 1;
}

static void add_child(node *n, double points, double max, int accepted)
{
	if (n->children == 0 || points < n->min_points)
		n->min_points = points;
	if (n->children == 0 || max < n->min_max)
		n->min_max = max;
	if (n->children == 0 || points > n->max_points)
		n->max_points = points;
	if (n->children == 0 || max > n->max_max)
		n->max_max = max;
	n->sum_points += points;
	n->sum_max += max;
	n->children++;
	if (!accepted)
		n->children_ac = 0;
}

static void note_failure(node *n, sv_verdict verdict, int order, size_t index)
{
	if (n->has_failure && (order > n->failure_order || (order == n->failure_order && index > n->failure_index)))
		return;
	n->has_failure = 1;
	n->failure = verdict;
	n->failure_order = order;
	n->failure_index = index;
}

static void note_test(node *n, const task_test *test, size_t index, sv_verdict verdict)
{
	if (verdict != SV_VERDICT_AC)
		n->all_ac = 0;
	if (verdict == SV_VERDICT_NONE)
		n->any_unjudged = 1;
	else
		n->any_run = 1;
	if (verdict != SV_VERDICT_AC && verdict != SV_VERDICT_NONE)
		note_failure(n, verdict, test->order, index);
}

/* A subgroup's tests are its parent's tests too. */
static void merge_subtree(node *parent, const node *child)
{
	parent->all_ac = parent->all_ac && child->all_ac;
	parent->any_run = parent->any_run || child->any_run;
	parent->any_unjudged = parent->any_unjudged || child->any_unjudged;
	if (child->has_failure)
		note_failure(parent, child->failure, child->failure_order, child->failure_index);
}

/* The verdict of a task with groups, and of each group. */
static sv_verdict points_verdict(double points, double max, const node *n)
{
	if (max > 0 ? same_points(points, max) : n->all_ac)
		return SV_VERDICT_AC;
	if (points > 0 && points < max)
		return SV_VERDICT_PA;
	if (n->has_failure)
		return n->failure;
	return n->any_unjudged ? SV_VERDICT_NONE : SV_VERDICT_AC;
}

static void aggregate(const task_group *g, const node *n, double *points, double *max)
{
	double count = (double)n->children;

	switch (g->aggregation) {
	case GROUP_AVG:
		*points = n->sum_points / count;
		*max = n->sum_max / count;
		break;
	case GROUP_MIN:
		*points = n->min_points;
		*max = n->min_max;
		break;
	case GROUP_MAX:
		*points = n->max_points;
		*max = n->max_max;
		break;
	case GROUP_ALL_OR_NOTHING:
		*max = n->sum_max;
		*points = n->children_ac ? n->sum_max : 0;
		break;
	default:
		*points = n->sum_points;
		*max = n->sum_max;
		break;
	}
	if (g->has_points) {
		double target = usable_weight(g->points);

		if (*max > 0)
			*points = *points / *max * target;
		else
			*points = n->children_ac ? target : 0;
		*max = target;
	}
}

/* The parent of each group, -1 for the root; a dangling or cyclic parent makes the group a root
 * child. depth[g]: its distance from the root (0 for a root child). */
static size_t build_tree(const task_data *task, int *parent, size_t *depth)
{
	size_t n = task->group_count, deepest = 0;

	for (size_t g = 0; g < n; g++) {
		int p = task->groups[g].parent;
		parent[g] = p >= 0 && (size_t)p < n && (size_t)p != g ? p : -1;
	}
	for (size_t g = 0; g < n; g++) {
		size_t d = 0;

		for (int p = parent[g]; p >= 0 && d <= n; p = parent[p])
			d++;
		if (d > n) { /* a cycle */
			parent[g] = -1;
			d = 0;
		}
		depth[g] = d;
	}
	/* Breaking one cycle may have shortened others' paths: measure again. */
	for (size_t g = 0; g < n; g++) {
		size_t d = 0;

		for (int p = parent[g]; p >= 0; p = parent[p])
			d++;
		depth[g] = d;
		if (d > deepest)
			deepest = d;
	}
	return deepest;
}

static int test_group(const task_data *task, const task_test *t)
{
	return t->group >= 0 && (size_t)t->group < task->group_count ? t->group : -1;
}

static sv_verdict pass_fail_verdict(const task_data *task, const scoring_outcome *outcomes)
{
	size_t first = task->test_count;

	for (size_t i = 0; i < task->test_count; i++)
		if (outcomes[i].verdict != SV_VERDICT_AC &&
		    (first == task->test_count || task->tests[i].order < task->tests[first].order))
			first = i;
	return first == task->test_count ? SV_VERDICT_AC : outcomes[first].verdict;
}

/* Points and maxima bottom-up: the tests into their groups, then each group into its parent,
 * deepest first, and everything into the root. */
static void add_up(const task_data *task, const scoring_outcome *outcomes, const int *parent, const size_t *depth,
		   size_t deepest, node *nodes, scoring_summary *out)
{
	size_t groups = task->group_count;
	node *root = &nodes[groups];
	double total = 0;
	int equal_weights;

	for (size_t i = 0; i < task->test_count; i++)
		total += usable_weight(task->tests[i].weight);
	/* No weights at all (or absurd ones that overflow): every test weighs the same. */
	equal_weights = total <= 0 || !isfinite(total);
	for (size_t i = 0; i < task->test_count; i++) {
		const task_test *t = &task->tests[i];
		const scoring_outcome *o = &outcomes[i];
		int g = test_group(task, t);
		node *n = g >= 0 ? &nodes[g] : root;
		double max = equal_weights ? 1 : usable_weight(t->weight), points = 0;

		if (o->verdict == SV_VERDICT_AC)
			points = o->has_score ? usable_weight(o->score) : max;
		add_child(n, points, max, o->verdict == SV_VERDICT_AC);
		note_test(n, t, i, o->verdict);
	}
	for (size_t d = deepest + 1; d-- > 0;) {
		for (size_t g = 0; g < groups; g++) {
			scoring_group_result *r = &out->groups[g];
			node *n = &nodes[g], *up;

			if (depth[g] != d)
				continue;
			up = parent[g] >= 0 ? &nodes[parent[g]] : root;
			r->name = task->groups[g].name;
			merge_subtree(up, n);
			if (n->children == 0) { /* no tests in its subtree: it scores nothing */
				r->verdict = SV_VERDICT_NONE;
				continue;
			}
			aggregate(&task->groups[g], n, &r->points, &r->max_points);
			r->verdict = n->any_run ? points_verdict(r->points, r->max_points, n) : SV_VERDICT_NONE;
			add_child(up, r->points, r->max_points, r->verdict == SV_VERDICT_AC);
		}
	}
	out->points = root->sum_points;
	out->max_points = root->sum_max;
}

int scoring_summarize(const task_data *task, const scoring_outcome *outcomes, int compile_error, scoring_summary *out)
{
	size_t groups = task->group_count, deepest;
	int *parent = NULL;
	size_t *depth = NULL;
	node *nodes = NULL, *root;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	out->total_tests = (int)task->test_count;
	parent = calloc(groups + 1, sizeof(*parent));
	depth = calloc(groups + 1, sizeof(*depth));
	nodes = calloc(groups + 1, sizeof(*nodes));
	out->groups = calloc(groups + 1, sizeof(*out->groups));
	if (!parent || !depth || !nodes || !out->groups)
		goto end;
	out->group_count = groups;
	for (size_t g = 0; g <= groups; g++)
		node_init(&nodes[g]);
	root = &nodes[groups];
	deepest = build_tree(task, parent, depth);

	for (size_t i = 0; i < task->test_count; i++) {
		const scoring_outcome *o = &outcomes[i];

		if (o->verdict == SV_VERDICT_CE)
			compile_error = 1;
		if (o->verdict == SV_VERDICT_AC)
			out->passed_tests++;
		if (o->time > out->execution_time)
			out->execution_time = o->time;
		if (o->memory > out->memory_used)
			out->memory_used = o->memory;
	}
	add_up(task, outcomes, parent, depth, deepest, nodes, out);
	rc = 0;

	if (compile_error) {
		out->verdict = SV_VERDICT_CE;
		out->passed_tests = 0;
		out->points = 0;
		for (size_t g = 0; g < groups; g++) {
			out->groups[g].points = 0;
			out->groups[g].verdict = SV_VERDICT_CE;
		}
		goto end;
	}
	if (task->test_count == 0) {
		out->verdict = SV_VERDICT_NONE;
		goto end;
	}
	if (task->type == TASK_TYPE_PASS_FAIL) {
		out->verdict = pass_fail_verdict(task, outcomes);
		out->max_points = 1;
		out->points = out->verdict == SV_VERDICT_AC;
		out->score = out->verdict == SV_VERDICT_AC ? 100 : 0;
		goto end;
	}
	if (out->max_points > 0)
		out->score = (int)lround(100.0 * out->points / out->max_points);
	else
		out->score = root->all_ac ? 100 : 0;
	out->score = out->score < 0 ? 0 : out->score > 100 ? 100 : out->score;
	if (root->any_unjudged && !root->has_failure)
		out->verdict = SV_VERDICT_NONE; /* a result is missing, and no failure skipped it */
	else if (groups > 0) {
		out->verdict = points_verdict(out->points, out->max_points, root);
	} else if (root->all_ac && same_points(out->points, out->max_points)) {
		out->verdict = SV_VERDICT_AC;
	} else if (out->score > 0 && out->score < 100) {
		out->verdict = SV_VERDICT_PA;
	} else {
		/* A judged failure names the problem; a test that never ran only counts as not passed. */
		out->verdict = root->has_failure ? root->failure : SV_VERDICT_AC;
	}
end:
	free(parent);
	free(depth);
	free(nodes);
	if (rc < 0)
		scoring_summary_free(out);
	return rc;
}

void scoring_summary_free(scoring_summary *summary)
{
	free(summary->groups);
	summary->groups = NULL;
	summary->group_count = 0;
}

/* ---- which tests run ---- */

int scoring_plan_init(scoring_plan *plan, const task_data *task)
{
	memset(plan, 0, sizeof(*plan));
	plan->task = task;
	plan->group_rejected = calloc(task->group_count + 1, 1);
	return plan->group_rejected ? 0 : -1;
}

void scoring_plan_free(scoring_plan *plan)
{
	free(plan->group_rejected);
	plan->group_rejected = NULL;
}

void scoring_plan_reset(scoring_plan *plan)
{
	memset(plan->group_rejected, 0, plan->task->group_count + 1);
	plan->rejected = 0;
}

/* Calls visit for the test's group and each of its ancestors, at most group_count of them (a
 * cyclic parent chain ends there); stops when visit returns non-zero and returns that. */
static int each_ancestor(const scoring_plan *plan, size_t index, int (*visit)(const scoring_plan *, int))
{
	const task_data *task = plan->task;
	int g = test_group(task, &task->tests[index]);

	for (size_t steps = 0; g >= 0 && (size_t)g < task->group_count && steps < task->group_count; steps++) {
		int rc = visit(plan, g);

		if (rc)
			return rc;
		g = task->groups[g].parent;
	}
	return 0;
}

static int stops_here(const scoring_plan *plan, int g)
{
	return plan->task->groups[g].break_on_reject && plan->group_rejected[g];
}

static int mark_rejected(const scoring_plan *plan, int g)
{
	plan->group_rejected[g] = 1;
	return 0;
}

int scoring_plan_should_run(const scoring_plan *plan, size_t index)
{
	if (index >= plan->task->test_count)
		return 0;
	if (plan->task->type == TASK_TYPE_PASS_FAIL && !plan->task->judge_all && plan->rejected)
		return 0;
	return !each_ancestor(plan, index, stops_here);
}

void scoring_plan_record(scoring_plan *plan, size_t index, sv_verdict verdict)
{
	if (index >= plan->task->test_count || verdict == SV_VERDICT_AC || verdict == SV_VERDICT_NONE)
		return;
	plan->rejected = 1;
	each_ancestor(plan, index, mark_rejected);
}
