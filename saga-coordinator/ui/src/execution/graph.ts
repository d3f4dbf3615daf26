import dagre from '@dagrejs/dagre';
import type { Task, WorkflowDef, WorkflowTaskDef } from '../api.ts';

export type GraphNode = {
  readonly id: string;
  readonly label: string;
  readonly kind: 'start' | 'end' | 'task' | 'collapsed';
  readonly type: string;
  readonly status: string;
  readonly ref?: string;
  readonly task?: Task;
  readonly attempts: number;
  /** DO_WHILE: how many iterations ran; which one the body shows. */
  readonly iterations?: number;
  readonly note?: string;
};
export type GraphEdge = {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
  readonly taken?: boolean;
  readonly back?: boolean;
};
export type Graph = { readonly nodes: GraphNode[]; readonly edges: GraphEdge[] };

/** Forks wider than this are drawn as one node with the branches' counts (a 1,000-branch fork stays readable). */
export const collapseAbove = 12;

const isForward = (task: Task): boolean => task.compensationOf === undefined;
const baseRef = (ref: string): string => ref.replace(/__\d+$/, '');

/** Builds the definition's graph with each task's latest attempt (of the chosen loop iteration) overlaid. */
export const buildGraph = (
  def: WorkflowDef,
  tasks: readonly Task[],
  iterationOf: Readonly<Record<string, number>>,
  workflowStatus?: string,
): Graph => {
  const byRef = new Map<string, Task[]>();
  for (const task of tasks) {
    if (!isForward(task)) continue;
    const ref = baseRef(task.referenceTaskName);
    const list = byRef.get(ref) ?? [];
    list.push(task);
    byRef.set(ref, list);
  }
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const loops: { ref: string; iteration: number }[] = [];

  const attemptsOf = (ref: string): Task[] => {
    const all = byRef.get(ref) ?? [];
    const loop = loops.at(-1);
    if (loop === undefined) return all;
    return all.filter((t) => (t.iteration ?? 0) === loop.iteration || t.referenceTaskName === `${ref}__${loop.iteration}`);
  };
  const latest = (list: readonly Task[]): Task | undefined =>
    list.reduce<Task | undefined>((a, t) => (a === undefined || t.seq > a.seq ? t : a), undefined);

  const addNode = (def: WorkflowTaskDef, extra: Partial<GraphNode> = {}): string => {
    const attempts = attemptsOf(def.taskReferenceName);
    const task = latest(attempts);
    const id = `n${nodes.length}`;
    nodes.push({
      id,
      label: def.taskReferenceName,
      kind: 'task',
      type: def.type ?? 'SIMPLE',
      status: task?.status ?? 'NOT_RUN',
      ref: def.taskReferenceName,
      ...(task === undefined ? {} : { task }),
      attempts: attempts.length,
      ...extra,
    });
    return id;
  };
  const link = (from: readonly string[], to: string, label?: string, taken?: boolean) => {
    for (const f of from) edges.push({ from: f, to, ...(label === undefined ? {} : { label }), ...(taken === undefined ? {} : { taken }) });
  };

  const collapsed = (label: string, refs: readonly string[], from: readonly string[]): string => {
    const counts = new Map<string, number>();
    for (const ref of refs) {
      const status = latest(attemptsOf(ref))?.status ?? 'NOT_RUN';
      counts.set(status, (counts.get(status) ?? 0) + 1);
    }
    const worst =
      ['FAILED', 'FAILED_WITH_TERMINAL_ERROR', 'TIMED_OUT', 'IN_PROGRESS', 'SCHEDULED', 'CANCELED', 'NOT_RUN', 'COMPLETED'].find((s) =>
        counts.has(s),
      ) ?? 'NOT_RUN';
    const id = `n${nodes.length}`;
    nodes.push({
      id,
      label,
      kind: 'collapsed',
      type: 'BRANCHES',
      status: worst,
      attempts: 0,
      note: [...counts].map(([s, n]) => `${n} ${s.toLowerCase().replace(/_/g, ' ')}`).join(', '),
    });
    link(from, id);
    return id;
  };

  const sequence = (list: readonly WorkflowTaskDef[], from: readonly string[], label?: string, taken?: boolean): string[] => {
    let exits = [...from];
    let firstLabel = label;
    for (const def of list) {
      const type = def.type ?? 'SIMPLE';
      const id = addNode(def);
      link(exits, id, firstLabel, taken);
      firstLabel = undefined;
      const node = nodes.find((n) => n.id === id);
      const task = node?.task;
      if (type === 'SWITCH' || type === 'DECISION') {
        // Conductor's SWITCH says the case it took as outputData.evaluationResult[0]
        const evaluated: unknown = task?.outputData?.['evaluationResult'];
        const first: unknown = Array.isArray(evaluated) ? evaluated[0] : undefined;
        const chosen = typeof first === 'string' || typeof first === 'number' || typeof first === 'boolean' ? String(first) : '';
        const cases = Object.entries(def.decisionCases ?? {});
        const ran = task !== undefined && task.status === 'COMPLETED';
        const matched = cases.some(([key]) => key === chosen);
        const next: string[] = [];
        for (const [key, tasksOfCase] of cases) next.push(...branchExits(tasksOfCase, [id], key, ran ? key === chosen : undefined));
        next.push(...branchExits(def.defaultCase ?? [], [id], 'default', ran ? !matched : undefined));
        exits = next;
      } else if (type === 'FORK_JOIN') {
        const branches = def.forkTasks ?? [];
        if (branches.length > collapseAbove) {
          exits = [
            collapsed(
              `${branches.length} branches`,
              branches.flat().map((t) => t.taskReferenceName),
              [id],
            ),
          ];
        } else exits = branches.flatMap((branch) => branchExits(branch, [id]));
      } else if (type === 'FORK_JOIN_DYNAMIC') {
        const forked = (task?.inputData?.['forkedTasks'] as string[] | undefined) ?? [];
        const defs = (task?.inputData?.['forkedTaskDefs'] as WorkflowTaskDef[] | undefined) ?? [];
        if (forked.length === 0) exits = [id];
        else if (forked.length > collapseAbove) exits = [collapsed(`${forked.length} dynamic branches`, forked, [id])];
        else
          exits = (defs.length > 0 ? defs : forked.map((ref) => ({ name: ref, taskReferenceName: ref }))).map(
            (d) => sequence([d], [id])[0] ?? id,
          );
      } else if (type === 'DO_WHILE') {
        const ran = task === undefined ? 0 : Math.max(1, Number(task.outputData?.['iteration'] ?? task.iteration ?? 1));
        const chosen = Math.min(iterationOf[def.taskReferenceName] ?? ran, ran) || 1;
        const index = nodes.findIndex((n) => n.id === id);
        const loopNode = nodes[index];
        if (loopNode !== undefined)
          nodes[index] = { ...loopNode, iterations: ran, note: ran === 0 ? 'not run' : `iteration ${chosen} of ${ran}` };
        loops.push({ ref: def.taskReferenceName, iteration: chosen });
        const body = sequence(def.loopOver ?? [], [id]);
        loops.pop();
        for (const b of body) edges.push({ from: b, to: id, label: 'next iteration', back: true });
        exits = [id];
      } else exits = [id];
    }
    return exits;
  };
  const branchExits = (list: readonly WorkflowTaskDef[], from: readonly string[], label?: string, taken?: boolean): string[] => {
    if (list.length > 0) return sequence(list, from, label, taken);
    // an empty case goes straight on: a labelled pass-through point keeps its edge visible
    const id = `n${nodes.length}`;
    nodes.push({
      id,
      label: label ?? 'nothing',
      kind: 'collapsed',
      type: 'EMPTY',
      status: taken === true ? 'COMPLETED' : 'NOT_RUN',
      attempts: 0,
      note: 'no tasks',
    });
    link(from, id, label, taken);
    return [id];
  };

  nodes.push({
    id: 'start',
    label: 'start',
    kind: 'start',
    type: 'START',
    status: tasks.length > 0 ? 'COMPLETED' : 'NOT_RUN',
    attempts: 0,
  });
  const exits = sequence(def.tasks, ['start']);
  nodes.push({
    id: 'end',
    label: 'end',
    kind: 'end',
    type: 'END',
    status: workflowStatus === 'COMPLETED' ? 'COMPLETED' : 'NOT_RUN',
    attempts: 0,
  });
  link(exits, 'end');
  return { nodes, edges };
};

export type Laid = {
  readonly width: number;
  readonly height: number;
  readonly nodes: (GraphNode & { x: number; y: number; w: number; h: number })[];
  readonly edges: (GraphEdge & { points: { x: number; y: number }[] })[];
};

/** Lays the graph out top to bottom with dagre. */
export const layout = (graph: Graph): Laid => {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 44, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) {
    const small = node.kind === 'start' || node.kind === 'end';
    // wide enough for the longest line: the ref (13 px monospace) or the status line (12 px)
    const sub = node.status.length + node.type.length + 8 + (node.attempts > 1 ? 14 : 0);
    const w = small ? 72 : Math.min(300, Math.max(150, node.label.length * 8.2 + 24, sub * 6.6 + 24, (node.note?.length ?? 0) * 6.6 + 24));
    g.setNode(node.id, { width: w, height: small ? 32 : node.note === undefined ? 54 : 68 });
  }
  graph.edges.forEach((edge, i) =>
    g.setEdge(edge.from, edge.to, edge.label === undefined ? {} : { label: edge.label, width: edge.label.length * 7, height: 14 }, `e${i}`),
  );
  dagre.layout(g);
  // dagre's published types point at a file its package does not ship: what it returns is typed here
  const info = g.graph() as { width?: number; height?: number };
  return {
    width: Math.ceil(info.width ?? 400),
    height: Math.ceil(info.height ?? 300),
    nodes: graph.nodes.map((node) => {
      const laid = g.node(node.id) as { x: number; y: number; width: number; height: number };
      return { ...node, x: laid.x - laid.width / 2, y: laid.y - laid.height / 2, w: laid.width, h: laid.height };
    }),
    edges: graph.edges.map((edge, i) => ({
      ...edge,
      points: ((g.edge({ v: edge.from, w: edge.to, name: `e${i}` }) as { points?: { x: number; y: number }[] }).points ?? []).map((p) => ({
        x: p.x,
        y: p.y,
      })),
    })),
  };
};
