import { useTranslation } from 'react-i18next';
import { useFormat } from './i18n/index.js';

/** One sample of a rollout's progress, taken while the view is open. */
export interface ProgressSample {
  at: number;
  moved: number;
  onOldPorts: number;
  inactive: number;
}

/** The chart's lines; each one's legend is `chart.<key>` in the catalogues. */
const SERIES: { key: 'moved' | 'onOldPorts' | 'inactive'; className: string }[] = [
  { key: 'moved', className: 'line-moved' },
  { key: 'onOldPorts', className: 'line-old' },
  { key: 'inactive', className: 'line-inactive' },
];

/** Clients moved / still on old ports / unreachable over time, as an SVG line chart. */
export function ProgressChart({ samples, total }: { samples: ProgressSample[]; total: number }) {
  const { t } = useTranslation();
  const format = useFormat();
  const width = 560;
  const height = 160;
  const first = samples[0]?.at ?? 0;
  const span = Math.max(1, (samples.at(-1)?.at ?? 0) - first);
  const top = Math.max(1, total);
  const x = (at: number): number => 30 + ((at - first) / span) * (width - 40);
  const y = (n: number): number => height - 20 - (n / top) * (height - 30);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={t('chart.label')}>
        <line x1="30" y1={y(0)} x2={width - 10} y2={y(0)} className="axis" />
        <line x1="30" y1={y(top)} x2="30" y2={y(0)} className="axis" />
        <text x="4" y={y(top) + 4} className="tick">
          {format.count(top)}
        </text>
        <text x="4" y={y(0) + 4} className="tick">
          0
        </text>
        {SERIES.map((s) => (
          <g key={s.key} className={s.className}>
            <polyline
              fill="none"
              points={samples.map((p) => `${x(p.at).toFixed(1)},${y(p[s.key]).toFixed(1)}`).join(' ')}
            />
            {samples.length < 60 && samples.map((p) => <circle key={p.at} cx={x(p.at)} cy={y(p[s.key])} r="3" />)}
          </g>
        ))}
      </svg>
      <figcaption>
        {SERIES.map((s) => (
          <span key={s.key} className={`legend ${s.className}`}>
            {t(`chart.${s.key}`)}
          </span>
        ))}
        <span className="muted">{t('chart.sampled')}</span>
      </figcaption>
    </figure>
  );
}
