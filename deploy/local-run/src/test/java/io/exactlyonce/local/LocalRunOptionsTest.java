package io.exactlyonce.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.exactlyonce.pipeline.config.InvalidJobConfigException;
import io.exactlyonce.pipeline.config.OptionValues;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The local run's own options, parsed by the job's command-line parser. */
class LocalRunOptionsTest {

    @Test
    void takesTypedValuesOverTheDefaults() {
        OptionValues options =
                LocalRun.parse(
                        new String[] {
                            "--events", "500", "--window-size", "500 ms", "--failure", "off"
                        });

        assertThat(options.get(LocalRun.EVENTS)).isEqualTo(500);
        assertThat(options.get(LocalRun.WINDOW_SIZE)).isEqualTo(Duration.ofMillis(500));
        assertThat(options.get(LocalRun.FAILURE)).isEqualTo(LocalRun.Failure.OFF);
        assertThat(options.get(LocalRun.USERS)).isEqualTo(50);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "--events   | many  | --events: 'many' is not a whole number",
                "--failure  | maybe | --failure: 'maybe' is not one of on, off",
                "--duration | 0 s   | --duration must be positive",
                "--users    | 0     | --users must be at least 1",
                "--evnts    | 5     | unknown option 'evnts'; --help lists every option"
            })
    void refusesABadOptionInOneLine(String key, String value, String message) {
        assertThatThrownBy(() -> LocalRun.parse(new String[] {key, value}))
                .isInstanceOf(InvalidJobConfigException.class)
                .hasMessage(message);
    }

    @Test
    void printsEveryOptionWithItsDefault() {
        assertThat(LocalRun.COMMAND_LINE.usage())
                .startsWith(
                        "Runs the visit-count job locally and verifies exactly-once.\n"
                                + "Usage: ./local-run [--option value ...]\n")
                .containsPattern(
                        "--failure +on: fail the job once half-way and recover;"
                                + " off: no failure \\[on\\]")
                .containsPattern("--window-size +tumbling event-time window \\[2 s\\]");
    }
}
