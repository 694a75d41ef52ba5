// "throughput" runs the plain-text streaming benchmark (see ThroughputRunner); anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "throughput")
{
    return MailFlow.Benchmarks.ThroughputRunner.Run(args[1..]);
}

BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(MailFlow.Benchmarks.ThroughputBench).Assembly).Run(args);
return 0;
