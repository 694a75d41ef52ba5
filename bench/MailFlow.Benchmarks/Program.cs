// "throughput" streams one format's parser (ThroughputRunner), "pipeline" the whole report pipeline over files
// (PipelineRunner); anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "throughput")
{
    return MailFlow.Benchmarks.ThroughputRunner.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "pipeline")
{
    return MailFlow.Benchmarks.PipelineRunner.Run(args[1..]);
}

BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(MailFlow.Benchmarks.ThroughputBench).Assembly).Run(args);
return 0;
