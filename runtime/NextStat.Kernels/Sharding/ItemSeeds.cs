namespace NextStat.Kernels.Sharding;

/// <summary>
/// The seed of one item of a batch, derived from the run's seed and the item's global index only. Because nothing
/// else enters (not the job id, the shard size, the chunk or the thread), an item gets the same random stream in a
/// single run, in any job of any job array and after a resume, which is what makes merged shards bitwise identical
/// to one run.
/// </summary>
public static class ItemSeeds
{
    /// <summary>The seed of item <paramref name="globalIndex"/> of a run seeded with <paramref name="seed"/>.</summary>
    public static ulong For(ulong seed, long globalIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(globalIndex);

        // Two rounds of the SplitMix64 finaliser: the first decorrelates neighbouring run seeds, the second mixes
        // the index in, so seeds of (s, i) and (s + 1, i) or (s, i + 1) share no visible structure.
        ulong z = Mix(seed + 0x9E3779B97F4A7C15UL);
        return Mix(z ^ ((ulong)globalIndex + 1UL) * 0xD1B54A32D192ED03UL);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
