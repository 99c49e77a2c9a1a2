namespace NextStat.Kernels.Benchmarks;

/// <summary>What the interleaved-round modes (<c>--gradient-ratio</c>, <c>--thread-ratio</c>, <c>--build-ratio</c>) report of their rounds.</summary>
internal static class RoundStatistics
{
    /// <summary>The median of <paramref name="values"/> (the upper one of an even count), which it sorts in place.</summary>
    public static double Median(double[] values)
    {
        Array.Sort(values);
        return values[values.Length / 2];
    }
}
