using System.CommandLine;

var root = new RootCommand("nextstat: HistFactory fits, scans, limits, rankings and toy batches on NextStat.Kernels");
return root.Parse(args).Invoke();
