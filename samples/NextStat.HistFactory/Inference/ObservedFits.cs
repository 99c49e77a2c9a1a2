using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using NextStat.Kernels.Fitting;

namespace NextStat.HistFactory.Inference;

/// <summary>
/// Per model, held only while the model lives: its observed-data objective (models are immutable), and idle minimizers
/// per fit options with their evaluators and scratch. Repeated fits and scans of one model then allocate only their
/// results: a fresh minimizer costs more than the fit itself on the larger likelihoods (its m×m scratch lands on the
/// large-object heap above ~100 parameters), and a scan's workers, one fresh minimizer and evaluator each per call,
/// paid that set-up on every call of a job of a few hundred µs.
/// </summary>
internal static class ObservedFits
{
    private static readonly ConditionalWeakTable<IInferenceModel, Cache> Caches = new();

    /// <summary>The cache of <paramref name="model"/>, created at its first use.</summary>
    public static Cache Of(IInferenceModel model) => Caches.GetValue(model, m => new Cache(m.ObservedObjective()));

    /// <summary>One model's observed-data objective and idle minimizers.</summary>
    internal sealed class Cache(IObjective observed)
    {
        private readonly ConcurrentDictionary<FitOptions, ConcurrentBag<Minimizer>> _idle = new();

        /// <summary>The model's objective on its observed data.</summary>
        public IObjective Observed { get; } = observed;

        /// <summary>
        /// An idle minimizer with <paramref name="options"/>, or a new one; give it back with <see cref="Return"/>. A
        /// thread gets back the one it returned last where it can (its scratch is still in that core's caches).
        /// </summary>
        public Minimizer Rent(FitOptions options) => _idle.GetOrAdd(options, _ => []).TryTake(out Minimizer? idle) ? idle : new Minimizer(options);

        /// <summary>Makes <paramref name="minimizer"/>, which the caller no longer uses, available to the next fit.</summary>
        public void Return(Minimizer minimizer) => _idle.GetOrAdd(minimizer.Options, _ => []).Add(minimizer);
    }
}
