import { useMemo, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { enc, type Task, type WorkflowDef } from '../api.ts';
import { Legend, lookOf } from '../status.tsx';
import { buildGraph, layout, type GraphNode } from './graph.ts';

const path = (points: readonly { x: number; y: number }[]): string =>
  points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');

/**
 * The definition drawn with dagre, each task's status overlaid (colour, icon and word), SWITCH's chosen case drawn
 * solid and labelled, fork branches side by side (wide forks collapsed to one node), DO_WHILE iterations navigable,
 * sub-workflows linked. Nodes are buttons: Enter opens the task.
 */
export const Diagram = ({
  def,
  tasks,
  status,
  onSelect,
  selected,
}: {
  def: WorkflowDef;
  tasks: readonly Task[];
  /** The execution's status: the end node is reached only when it completed. */
  status?: string;
  onSelect?: (node: GraphNode) => void;
  selected?: string | undefined;
}) => {
  const [iterationOf, setIterationOf] = useState<Record<string, number>>({});
  const laid = useMemo(() => layout(buildGraph(def, tasks, iterationOf, status)), [def, tasks, iterationOf, status]);
  const loops = laid.nodes.filter((n) => n.type === 'DO_WHILE' && (n.iterations ?? 0) > 1);
  const children = laid.nodes.filter((n) => n.task?.subWorkflowId !== undefined);
  return (
    <div class="diagram">
      <Legend />
      {loops.length > 0 && (
        <div class="loops" role="group" aria-label="Loop iterations">
          {loops.map((loop) => {
            const ref = loop.ref ?? '';
            const current = Math.min(iterationOf[ref] ?? loop.iterations ?? 1, loop.iterations ?? 1);
            const go = (n: number) => setIterationOf((it) => ({ ...it, [ref]: Math.max(1, Math.min(loop.iterations ?? 1, n)) }));
            return (
              <span key={ref} class="loop-nav">
                Loop <code>{ref}</code>:{' '}
                <button type="button" aria-label={`Previous iteration of ${ref}`} disabled={current <= 1} onClick={() => go(current - 1)}>
                  ◀
                </button>{' '}
                iteration {current} of {loop.iterations}{' '}
                <button
                  type="button"
                  aria-label={`Next iteration of ${ref}`}
                  disabled={current >= (loop.iterations ?? 1)}
                  onClick={() => go(current + 1)}
                >
                  ▶
                </button>
              </span>
            );
          })}
        </div>
      )}
      <div class="diagram-scroll" tabIndex={0} role="region" aria-label={`Diagram of ${def.name} (scrolls)`}>
        <svg
          width={laid.width}
          height={laid.height}
          viewBox={`0 0 ${laid.width} ${laid.height}`}
          role="group"
          aria-label={`Diagram of ${def.name}`}
        >
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" fill="#4b5563" />
            </marker>
            <marker id="arrow-taken" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" fill="#1d4ed8" />
            </marker>
          </defs>
          {laid.edges.map((edge, i) => {
            const mid = edge.points[Math.floor(edge.points.length / 2)];
            return (
              <g
                key={i}
                class={`edge ${edge.taken === true ? 'taken' : edge.taken === false ? 'not-taken' : ''} ${edge.back === true ? 'back' : ''}`}
              >
                <path d={path(edge.points)} marker-end={edge.taken === true ? 'url(#arrow-taken)' : 'url(#arrow)'} />
                {edge.label !== undefined && mid !== undefined && (
                  <text x={mid.x + 4} y={mid.y - 4} class="edge-label">
                    {edge.taken === true ? `✓ ${edge.label}` : edge.label}
                  </text>
                )}
              </g>
            );
          })}
          {laid.nodes.map((node) => {
            const look = lookOf(node.status);
            const small = node.kind === 'start' || node.kind === 'end';
            // only a task that ran has details to open
            const interactive = onSelect !== undefined && !small && node.task !== undefined;
            const title = node.label.length > 30 ? `${node.label.slice(0, 29)}…` : node.label;
            const sub = `${look.icon} ${look.label}${node.attempts > 1 ? ` · ${node.attempts} attempts` : ''} · ${node.type.toLowerCase()}`;
            const note = node.note === undefined ? undefined : node.note.length > 36 ? `${node.note.slice(0, 35)}…` : node.note;
            // the accessible name starts with the visible text, word for word (WCAG 2.5.3), then what was cut
            const label = small
              ? node.label
              : `${title} ${sub}${note === undefined ? '' : ` ${note}`}${title === node.label && note === node.note ? '' : `, ${node.label}${node.note === undefined ? '' : `, ${node.note}`}`}`;
            return (
              <g
                key={node.id}
                class={`node tone-${look.tone} kind-${node.kind} ${selected !== undefined && node.task?.taskId === selected ? 'selected' : ''}`}
                transform={`translate(${node.x},${node.y})`}
                data-ref={node.ref}
                data-status={node.status}
                {...(interactive
                  ? {
                      role: 'button',
                      // lowercase: on an SVG element Preact sets attributes, and SVG's are case-sensitive
                      tabindex: 0,
                      'aria-label': label,
                      onClick: () => onSelect(node),
                      onKeyDown: (event: KeyboardEvent) => {
                        if (event.key === 'Enter' || event.key === ' ') {
                          event.preventDefault();
                          onSelect(node);
                        }
                      },
                    }
                  : { 'aria-label': label, role: 'img' })}
              >
                <title>{label}</title>
                <rect width={node.w} height={node.h} rx={small ? node.h / 2 : 8} />
                {small ? (
                  <text x={node.w / 2} y={node.h / 2 + 5} text-anchor="middle" class="node-title">
                    {node.label}
                  </text>
                ) : (
                  <>
                    <text x={10} y={20} class="node-title">
                      {title}
                    </text>
                    <text x={10} y={38} class="node-sub">
                      {sub}
                    </text>
                    {note !== undefined && (
                      <text x={10} y={56} class="node-sub">
                        {note}
                      </text>
                    )}
                  </>
                )}
              </g>
            );
          })}
        </svg>
      </div>
      {children.length > 0 && (
        <p class="children">
          Sub-workflows:{' '}
          {children.map((node) => (
            <span key={node.id}>
              <code>{node.ref}</code> →{' '}
              <Link href={`/execution/${enc(node.task?.subWorkflowId ?? '')}`}>{node.task?.subWorkflowId}</Link>{' '}
            </span>
          ))}
        </p>
      )}
    </div>
  );
};
