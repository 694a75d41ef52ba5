using System.Diagnostics;
using MailFlow.Backend.Influx;
using MailFlow.Contracts.Schema;
using MailFlow.Questions;

namespace MailFlow.Backend.Query;

public sealed partial class MailFlowQueryEngine
{
    private static readonly string SessionsTags = string.Join(',', new[]
    {
        InfluxSchema.TlsReportTags.Organization, InfluxSchema.TlsReportTags.PolicyType, InfluxSchema.TlsReportTags.PolicyDomain, InfluxSchema.TlsReportTags.MxHost,
    }.Select(InfluxQl.QuoteIdentifier));

    private static readonly string FailuresTags = string.Join(',', new[]
    {
        InfluxSchema.TlsReportTags.Organization, InfluxSchema.TlsReportTags.PolicyType, InfluxSchema.TlsReportTags.PolicyDomain, InfluxSchema.TlsReportTags.ResultType, InfluxSchema.TlsReportTags.ReceivingMx,
    }.Select(InfluxQl.QuoteIdentifier));

    /// <inheritdoc />
    public Task<T> AskTlsReportsAsync<T>(string kind, QueryFilter filter, Func<ITlsReportTotals, CancellationToken, Task<T>> question, CancellationToken cancellationToken = default) =>
        RunAsync(kind, activity =>
        {
            ArgumentNullException.ThrowIfNull(question);
            Validate(filter);
            return question(new InfluxTlsReportTotals(this, activity, filter), cancellationToken);
        });

    /// <summary>
    /// The SMTP TLS report totals of a range, read from <see cref="InfluxSchema.TlsReportSessionsMeasurement"/> and
    /// <see cref="InfluxSchema.TlsReportFailuresMeasurement"/> per UTC day. A report's points lie within its day, so
    /// the days the range touches are read whole (<see cref="TlsReportQuestions.Days"/>), as <c>report --tlsrpt</c>
    /// counts them. The filter's mail-flow tags (direction, connector, TLS version) do not apply to reports.
    /// </summary>
    private sealed class InfluxTlsReportTotals(MailFlowQueryEngine engine, Activity? activity, QueryFilter filter) : ITlsReportTotals
    {
        public DateTimeOffset From => filter.From;

        public DateTimeOffset To => filter.To;

        public async Task<IReadOnlyList<TlsSessionsTotal>> TlsSessionsAsync(CancellationToken cancellationToken)
        {
            var successful = Tag(InfluxSchema.TlsReportFields.Successful);
            var failed = Tag(InfluxSchema.TlsReportFields.Failed);
            var totals = new List<TlsSessionsTotal>();
            foreach (var (series, row) in await ReadAsync($"SUM({successful}) AS {successful}, SUM({failed}) AS {failed}", InfluxSchema.TlsReportSessionsMeasurement, SessionsTags, cancellationToken).ConfigureAwait(false))
            {
                totals.Add(new TlsSessionsTotal(
                    FromNanoseconds(row.Time),
                    series.Tag(InfluxSchema.TlsReportTags.Organization),
                    series.Tag(InfluxSchema.TlsReportTags.PolicyType),
                    series.Tag(InfluxSchema.TlsReportTags.PolicyDomain),
                    series.Tag(InfluxSchema.TlsReportTags.MxHost),
                    row.Values.Length > 0 ? row.Values[0] : 0,
                    row.Values.Length > 1 ? row.Values[1] : 0));
            }

            return totals;
        }

        public async Task<IReadOnlyList<TlsFailuresTotal>> TlsFailuresAsync(CancellationToken cancellationToken)
        {
            var sessions = Tag(InfluxSchema.TlsReportFields.Sessions);
            var totals = new List<TlsFailuresTotal>();
            foreach (var (series, row) in await ReadAsync($"SUM({sessions}) AS {sessions}", InfluxSchema.TlsReportFailuresMeasurement, FailuresTags, cancellationToken).ConfigureAwait(false))
            {
                totals.Add(new TlsFailuresTotal(
                    FromNanoseconds(row.Time),
                    series.Tag(InfluxSchema.TlsReportTags.Organization),
                    series.Tag(InfluxSchema.TlsReportTags.PolicyType),
                    series.Tag(InfluxSchema.TlsReportTags.PolicyDomain),
                    series.Tag(InfluxSchema.TlsReportTags.ResultType),
                    series.Tag(InfluxSchema.TlsReportTags.ReceivingMx),
                    row.Values.Length > 0 ? row.Values[0] : 0));
            }

            return totals;
        }

        /// <summary>One statement: the sums per UTC day and series of the days the range touches, empty days left out.</summary>
        private async Task<IEnumerable<(InfluxSeries Series, InfluxRow Row)>> ReadAsync(string sums, string measurement, string groupBy, CancellationToken cancellationToken)
        {
            var (first, end) = TlsReportQuestions.Days(filter.From, filter.To);
            var statement = $"SELECT {sums} FROM {Tag(measurement)} WHERE time >= {InfluxQl.Time(TlsReportQuestions.Start(first))} AND time < {InfluxQl.Time(TlsReportQuestions.Start(end))} GROUP BY time(1d),{groupBy} fill(none)";
            var result = await engine.ExecuteAsync(activity, statement, cancellationToken).ConfigureAwait(false);
            return result.SelectMany(r => r.Series).SelectMany(series => series.Rows.Select(row => (series, row)));
        }
    }
}
