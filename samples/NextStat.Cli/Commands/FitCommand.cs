using System.CommandLine;
using NextStat.HistFactory;
using NextStat.Kernels.Fitting;

namespace NextStat.Cli.Commands;

/// <summary><c>nextstat fit</c>: the maximum-likelihood fit of the observed data with uncertainties.</summary>
internal static class FitCommand
{
    public static Command Create(CliContext context)
    {
        var input = new ModelInput();
        var correlations = new Option<bool>("--correlations") { Description = "Also print the correlation matrix." };
        var command = new Command("fit",
            "Maximum-likelihood fit of the observed data: bounded quasi-Newton with analytic gradients, uncertainties " +
            "from the Hessian. Prints {\"twice_nll\", \"converged\", \"status\", \"poi\", \"parameters\": [{\"name\", " +
            "\"value\", \"uncertainty\"}], ...}. Exit code 1 when the fit does not converge.");
        input.AddTo(command);
        command.Add(correlations);
        command.SetGuardedAction(context, parse =>
        {
            HistFactoryModel model = input.Load(parse).Model;
            var minimizer = new Minimizer(FitOptions.Default with { HessianParallelism = input.ThreadsOf(parse) });
            FitResult fit = minimizer.Minimize(model.ObservedObjective, ModelFits.Input(model));
            JsonOutput.Emit(context, input.OutputOf(parse), w =>
            {
                w.WriteStartObject();
                ModelFits.Write(w, model, fit);
                if (parse.GetValue(correlations) && fit.Correlation is { } matrix)
                {
                    w.WriteStartArray("correlation");
                    foreach (double[] row in matrix)
                    {
                        w.WriteStartArray();
                        foreach (double c in row)
                        {
                            w.NumberValue(c);
                        }
                        w.WriteEndArray();
                    }
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            });
            if (!fit.Converged)
            {
                context.Error.WriteLine($"nextstat fit: the fit did not converge ({fit.Status}: {fit.Message})");
                return ExitCodes.Failure;
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
