using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// Min and Median next to the Mean: on a shared machine the minimum over iterations is the figure least disturbed by
// other processes, and RESULTS.md compares methods by it.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly)
    .Run(args, DefaultConfig.Instance.AddColumn(StatisticColumn.Min, StatisticColumn.Median));
