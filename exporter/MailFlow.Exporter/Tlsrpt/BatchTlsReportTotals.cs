using MailFlow.Questions;

namespace MailFlow.Exporter.Tlsrpt;

/// <summary>
/// The totals of the reports read into memory, for <see cref="TlsReportQuestions"/> (the questions the query engine
/// asks of InfluxDB): the same report points the exporter writes, with each report's day.
/// </summary>
internal sealed class BatchTlsReportTotals(IReadOnlyList<ReadTlsReport> reports, DateTimeOffset from, DateTimeOffset to) : ITlsReportTotals
{
    public DateTimeOffset From => from;

    public DateTimeOffset To => to;

    public Task<IReadOnlyList<TlsSessionsTotal>> TlsSessionsAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<TlsSessionsTotal>>(reports
            .SelectMany(r => r.Points.Sessions.Select(p => new TlsSessionsTotal(TlsReportQuestions.Start(r.Report.Day), p.Organization, p.PolicyType, p.PolicyDomain, p.MxHost, p.Successful, p.Failed)))
            .ToList());

    public Task<IReadOnlyList<TlsFailuresTotal>> TlsFailuresAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<TlsFailuresTotal>>(reports
            .SelectMany(r => r.Points.Failures.Select(p => new TlsFailuresTotal(TlsReportQuestions.Start(r.Report.Day), p.Organization, p.PolicyType, p.PolicyDomain, p.ResultType, p.ReceivingMx, p.Sessions)))
            .ToList());
}
